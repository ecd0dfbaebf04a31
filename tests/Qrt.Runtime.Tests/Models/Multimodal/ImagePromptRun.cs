using Qrt.Runtime.Models;
using Qrt.Runtime.Vision;

namespace Qrt.Runtime.Tests.Models.Multimodal;

/// <summary>
/// A vision-language prompt run through the runtime as the generator runs it: the images prepared and the prompt
/// expanded, the encoder run, the decoder input appended to a new sequence; then single tokens appended after it.
/// </summary>
internal sealed class ImagePromptRun : IDisposable
{
    private readonly IModelSequence _sequence;

    /// <summary>Prefills <paramref name="promptIds"/> (one placeholder per image) with <paramref name="images"/>.</summary>
    public ImagePromptRun(LoadedTextModel loaded, int[] promptIds, IReadOnlyList<RgbImage> images)
    {
        var imageSide = loaded.Images ?? throw new ArgumentException("the model has no image side", nameof(loaded));
        var prompt = imageSide.Prepare(promptIds, images);
        Tokens = prompt.Tokens;
        var input = prompt.Encode(CancellationToken.None);
        _sequence = loaded.Model.StartSequence();
        PrefillLogits = _sequence.Append(input);
    }

    /// <summary>The expanded prompt.</summary>
    public int[] Tokens { get; }

    /// <summary>The logits after the prompt's last token.</summary>
    public float[] PrefillLogits { get; }

    /// <summary>Tokens in the sequence so far.</summary>
    public int Length => _sequence.Length;

    /// <summary>Appends one token and returns its logits.</summary>
    public float[] Step(int token) => _sequence.Append([token]);

    public void Dispose() => _sequence.Dispose();
}
