using Qrt.Runtime.Vision;

namespace Qrt.Runtime.Models.Multimodal;

/// <summary>
/// What every image prompt encoder has: the placeholder, the layer summary, and a stream of its own on the
/// device of its weights. Subclasses hold the preprocessor and the networks.
/// </summary>
internal abstract class ImagePromptEncoder(string placeholder, IReadOnlyList<LayerKindScheme> schemes, Device device) : IImagePromptEncoder
{
    /// <inheritdoc />
    public string Placeholder => placeholder;

    /// <inheritdoc />
    public IReadOnlyList<LayerKindScheme> Schemes => schemes;

    /// <summary>The stream the encoder runs on.</summary>
    protected QrtStream Stream { get; } = new(device);

    /// <inheritdoc />
    public abstract IImagePrompt Prepare(int[] promptIds, IReadOnlyList<RgbImage> images);

    public void Dispose()
    {
        DisposeNetworks();
        Stream.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Frees the encoder's weights.</summary>
    protected abstract void DisposeNetworks();
}
