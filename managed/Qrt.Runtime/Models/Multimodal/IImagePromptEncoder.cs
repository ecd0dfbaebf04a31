using Qrt.Runtime.Vision;

namespace Qrt.Runtime.Models.Multimodal;

/// <summary>
/// The image side of a vision-language model: turns a tokenized prompt that marks each image with a placeholder,
/// and the images themselves, into what the decoder takes — the prompt with each placeholder expanded to its
/// image's tokens, and the image features that replace those tokens' embeddings.
/// </summary>
/// <remarks>
/// The work is split in two so a caller can check the expanded prompt against the context before paying for the
/// vision encoder: <see cref="Prepare"/> preprocesses the images and expands the prompt, and
/// <see cref="IImagePrompt.Encode"/> runs the encoder. Calls must not overlap, as with the decoder.
/// </remarks>
internal interface IImagePromptEncoder : IDisposable
{
    /// <summary>The text a raw prompt writes where an image goes (what the chat template writes for an image part).</summary>
    string Placeholder { get; }

    /// <summary>How each kind of linear layer of the encoder and projector is stored, for summaries.</summary>
    IReadOnlyList<LayerKindScheme> Schemes { get; }

    /// <summary>
    /// Preprocesses <paramref name="images"/> and expands the placeholders of <paramref name="promptIds"/>, the k-th
    /// for the k-th image.
    /// </summary>
    /// <exception cref="ArgumentException">The prompt holds more or fewer placeholders than there are images, or an image cannot be preprocessed (an aspect ratio beyond the processor's limit).</exception>
    IImagePrompt Prepare(int[] promptIds, IReadOnlyList<RgbImage> images);
}
