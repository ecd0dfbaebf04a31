using Qrt.Runtime.Vision.Images;
using Qrt.Runtime.Vision.Processing;

namespace Qrt.Runtime.Vision.Preprocessing;

/// <summary>
/// Qwen2-VL's image preprocessing from picture to encoder input: smart-resize to multiples of patch · merge within
/// the pixel bounds, resize bicubically, rescale and normalise, and cut into patch rows in merge-window order with
/// the image as its own temporal partner. Each step whose do_* flag is off is skipped, as in the reference.
/// </summary>
/// <remarks>
/// The pixel bounds follow the reference's precedence: min_pixels / max_pixels when the file has them, else the
/// newer spelling size.shortest_edge / size.longest_edge (which hold pixel counts for this processor), else the
/// class defaults 56 · 56 and 28 · 28 · 1280.
/// </remarks>
internal sealed class Qwen2VlImagePreprocessor
{
    private readonly PreprocessorConfig _config;

    /// <summary>
    /// Preprocessing by <paramref name="config" /> for a vision tower with <paramref name="patchSize" />-pixel patches,
    /// <paramref name="temporalPatchSize" /> pictures per temporal patch and <paramref name="mergeSize" /> × mergeSize
    /// patches per merged token.
    /// </summary>
    /// <exception cref="ArgumentException">The config's patch_size, temporal_patch_size or merge_size disagrees with the tower's.</exception>
    public Qwen2VlImagePreprocessor(PreprocessorConfig config, int patchSize = 14, int temporalPatchSize = 2, int mergeSize = 2)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(patchSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(temporalPatchSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(mergeSize);
        Agree("patch_size", config.PatchHeight, patchSize, nameof(config));
        Agree("patch_size", config.PatchWidth, patchSize, nameof(config));
        Agree("temporal_patch_size", config.TemporalPatchSize, temporalPatchSize, nameof(config));
        Agree("merge_size", config.MergeSize, mergeSize, nameof(config));
        _config = config;
        PatchSize = patchSize;
        TemporalPatchSize = temporalPatchSize;
        MergeSize = mergeSize;
        MinPixels = config.MinPixels ?? config.ShortestEdge ?? Qwen2VlImageLayout.DefaultMinPixels;
        MaxPixels = config.MaxPixels ?? config.LongestEdge ?? Qwen2VlImageLayout.DefaultMaxPixels;
    }

    /// <summary>Pixels per patch side.</summary>
    public int PatchSize { get; }

    /// <summary>Pictures per temporal patch (an image is repeated to fill it).</summary>
    public int TemporalPatchSize { get; }

    /// <summary>Patches per side of one merged token's window.</summary>
    public int MergeSize { get; }

    /// <summary>The smallest area smart resize allows.</summary>
    public int MinPixels { get; }

    /// <summary>The largest area smart resize allows.</summary>
    public int MaxPixels { get; }

    /// <summary>Decodes the image file at <paramref name="path" /> and preprocesses it.</summary>
    /// <exception cref="ImageFormatException">The file cannot be read or decoded; the message names it.</exception>
    public Qwen2VlPreprocessedImage Preprocess(string path) => Preprocess(ImageDecoder.Decode(path));

    /// <summary>Decodes an image held in memory (<paramref name="name" /> names it in errors) and preprocesses it.</summary>
    /// <exception cref="ImageFormatException">The data cannot be decoded.</exception>
    public Qwen2VlPreprocessedImage Preprocess(byte[] data, string? name = null) => Preprocess(ImageDecoder.Decode(data, name));

    /// <summary>Resizes (if do_resize), rescales and normalises (per their flags) and cuts <paramref name="image" /> into patches.</summary>
    /// <exception cref="ArgumentException">
    /// The aspect ratio exceeds 200, or do_resize is off and a side is not a multiple of patch · merge.
    /// </exception>
    public Qwen2VlPreprocessedImage Preprocess(RgbImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (_config.DoResize)
        {
            var target = TargetSize(image.Width, image.Height);
            image = BicubicResizer.Resize(image, target.Width, target.Height);
        }

        var (patches, grid) = Qwen2VlPatches.Extract(ImageNormalizer.Normalize(image, _config), PatchSize, TemporalPatchSize, MergeSize);
        return new Qwen2VlPreprocessedImage(
            patches, grid, new ImageDimensions(image.Width, image.Height), Qwen2VlImageLayout.TokenCount(grid, MergeSize));
    }

    /// <summary>The size a <paramref name="width" /> × <paramref name="height" /> image is resized to.</summary>
    public ImageDimensions TargetSize(int width, int height) =>
        Qwen2VlImageLayout.SmartResize(height, width, PatchSize * MergeSize, MinPixels, MaxPixels);

    private static void Agree(string key, int? configured, int tower, string parameter)
    {
        if (configured is { } value && value != tower)
        {
            throw new ArgumentException($"{PreprocessorConfig.FileName} has {key} {value}; the vision tower's is {tower}", parameter);
        }
    }
}
