using Qrt.Runtime.Models.Decoder;

namespace Qrt.Runtime.Models.Multimodal;

/// <summary>A prompt whose images are preprocessed and whose placeholders are expanded, not yet encoded.</summary>
internal interface IImagePrompt
{
    /// <summary>The expanded prompt: each placeholder replaced by its image's tokens.</summary>
    int[] Tokens { get; }

    /// <summary>Runs the vision encoder: the decoder input with the image features at the image-token positions.</summary>
    /// <exception cref="OperationCanceledException">Cancelled between encoder blocks.</exception>
    DecoderInput Encode(CancellationToken cancellationToken);
}
