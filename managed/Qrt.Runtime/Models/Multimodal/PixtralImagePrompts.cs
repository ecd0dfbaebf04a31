using Qrt.Runtime.Models.Decoder;
using Qrt.Runtime.Models.Vision;
using Qrt.Runtime.Vision;
using Qrt.Runtime.Vision.Preprocessing;
using Qrt.Runtime.Vision.Processing;

namespace Qrt.Runtime.Models.Multimodal;

/// <summary>
/// Pixtral in Llava form: each image resized and cut into 16-pixel patches, its [IMG] placeholder expanded to
/// rows of [IMG] tokens ended by [IMG_BREAK] (the last by [IMG_END]), all images of a prompt encoded in one pass of
/// the tower (attention stays within each image), and the projected features put at the [IMG] tokens.
/// </summary>
internal sealed class PixtralImagePrompts : ImagePromptEncoder
{
    private readonly PixtralImagePreprocessor _preprocessor;
    private readonly PixtralVisionEncoder _encoder;
    private readonly LlavaProjector _projector;
    private readonly int _featureLayer;
    private readonly PixtralImageTokenIds _ids;

    /// <summary>Takes ownership of <paramref name="encoder"/> and <paramref name="projector"/>.</summary>
    public PixtralImagePrompts(
        PixtralImagePreprocessor preprocessor, PixtralVisionEncoder encoder, LlavaProjector projector, int featureLayer,
        PixtralImageTokenIds ids, string placeholder, IReadOnlyList<LayerKindScheme> schemes, Device device)
        : base(placeholder, schemes, device)
    {
        _preprocessor = preprocessor;
        _encoder = encoder;
        _projector = projector;
        _featureLayer = featureLayer;
        _ids = ids;
    }

    /// <inheritdoc />
    public override IImagePrompt Prepare(int[] promptIds, IReadOnlyList<RgbImage> images)
    {
        ArgumentNullException.ThrowIfNull(promptIds);
        ArgumentNullException.ThrowIfNull(images);
        var prepared = ImagePreprocessing.Each(images, _preprocessor.Preprocess);
        var tokens = PixtralPromptExpansion.Expand(promptIds, [.. prepared.Select(image => (image.Patches.GridRows, image.Patches.GridColumns))], _ids);
        return new PreparedImagePrompt(tokens, cancellationToken => Encode(tokens, prepared, cancellationToken));
    }

    /// <inheritdoc />
    protected override void DisposeNetworks()
    {
        _encoder.Dispose();
        _projector.Dispose();
    }

    private DecoderInput Encode(int[] tokens, PixtralPreprocessedImage[] images, CancellationToken cancellationToken)
    {
        if (images.Length == 0)
        {
            return new DecoderInput(tokens);
        }

        cancellationToken.ThrowIfCancellationRequested();
        using var patches = ImageFeatureRows.Upload([.. images.Select(image => image.Patches)], Stream.Device);
        using var features = _encoder.Forward(Stream, patches, [.. images.Select(image => image.Grid)], _featureLayer, cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        using var projected = _projector.Forward(Stream, features);
        return ImageFeatureRows.Place(tokens, _ids.Image, projected);
    }
}
