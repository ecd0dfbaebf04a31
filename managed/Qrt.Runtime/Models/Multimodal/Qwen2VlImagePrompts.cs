using Qrt.Runtime.Models.Decoder;
using Qrt.Runtime.Models.Vision;
using Qrt.Runtime.Vision;
using Qrt.Runtime.Vision.Preprocessing;
using Qrt.Runtime.Vision.Processing;

namespace Qrt.Runtime.Models.Multimodal;

/// <summary>
/// Qwen2-VL: each image smart-resized to multiples of 28 pixels and cut into merge-window-ordered patches, its
/// &lt;|image_pad|&gt; expanded to one pad per merged token, the tower and merger run over all images (attention within
/// each), the merged features put at the pads, and every token given its three M-RoPE positions (get_rope_index).
/// </summary>
internal sealed class Qwen2VlImagePrompts : ImagePromptEncoder
{
    private readonly Qwen2VlImagePreprocessor _preprocessor;
    private readonly Qwen2VlVisionEncoder _encoder;
    private readonly Qwen2VlImageTokenIds _ids;

    /// <summary>Takes ownership of <paramref name="encoder"/>.</summary>
    public Qwen2VlImagePrompts(
        Qwen2VlImagePreprocessor preprocessor, Qwen2VlVisionEncoder encoder, Qwen2VlImageTokenIds ids, string placeholder,
        IReadOnlyList<LayerKindScheme> schemes, Device device)
        : base(placeholder, schemes, device)
    {
        _preprocessor = preprocessor;
        _encoder = encoder;
        _ids = ids;
    }

    /// <inheritdoc />
    public override IImagePrompt Prepare(int[] promptIds, IReadOnlyList<RgbImage> images)
    {
        ArgumentNullException.ThrowIfNull(promptIds);
        ArgumentNullException.ThrowIfNull(images);
        var prepared = ImagePreprocessing.Each(images, _preprocessor.Preprocess);
        var grids = prepared.Select(image => image.Grid).ToArray();
        var tokens = Qwen2VlPromptExpansion.Expand(promptIds, grids, _ids, _preprocessor.MergeSize);
        var positions = Qwen2VlRopeIndex.Compute(tokens, grids, _ids, _preprocessor.MergeSize);
        int[][] rotary = [positions.Temporal, positions.Height, positions.Width];
        return new PreparedImagePrompt(tokens, cancellationToken => Encode(tokens, prepared, rotary, cancellationToken));
    }

    /// <inheritdoc />
    protected override void DisposeNetworks() => _encoder.Dispose();

    private DecoderInput Encode(int[] tokens, Qwen2VlPreprocessedImage[] images, int[][] rotaryPositions, CancellationToken cancellationToken)
    {
        // A prompt without images still carries its positions, so the sequence's rope delta is set (to 0) the same way.
        if (images.Length == 0)
        {
            return new DecoderInput(tokens) { RotaryPositions = rotaryPositions };
        }

        cancellationToken.ThrowIfCancellationRequested();
        using var patches = ImageFeatureRows.Upload([.. images.Select(image => image.Patches)], Stream.Device);
        using var merged = _encoder.Forward(Stream, patches, [.. images.Select(image => image.Grid)], cancellationToken);
        return ImageFeatureRows.Place(tokens, _ids.ImagePad, merged, rotaryPositions);
    }
}
