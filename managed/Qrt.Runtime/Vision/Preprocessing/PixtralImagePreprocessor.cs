using Qrt.Runtime.Vision.Images;
using Qrt.Runtime.Vision.Processing;

namespace Qrt.Runtime.Vision.Preprocessing;

/// <summary>
/// Pixtral's image preprocessing from picture to encoder input: scale down to the longest edge and round each side
/// up to whole patches, resize bicubically, rescale and normalise, and cut into patch rows. Each step whose
/// do_* flag is off is skipped, as in the reference image processor.
/// </summary>
internal sealed class PixtralImagePreprocessor
{
    /// <summary>The class default of size.longest_edge, used when preprocessor_config.json has none.</summary>
    public const int DefaultLongestEdge = 1024;

    private readonly PreprocessorConfig _config;
    private readonly int _longestEdge;

    /// <summary>Preprocessing by <paramref name="config" /> for a vision tower whose patches are <paramref name="patchSize" /> pixels square.</summary>
    /// <exception cref="ArgumentException">The config's patch_size disagrees with the tower's.</exception>
    public PixtralImagePreprocessor(PreprocessorConfig config, int patchSize)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(patchSize);
        // The tower's convolution fixes the patch; a preprocessor file that cuts differently would feed it garbage.
        if ((config.PatchHeight ?? patchSize) != patchSize || (config.PatchWidth ?? patchSize) != patchSize)
        {
            throw new ArgumentException(
                $"{PreprocessorConfig.FileName} has patch_size {config.PatchHeight}x{config.PatchWidth}; the vision tower's patches are {patchSize}x{patchSize}",
                nameof(config));
        }

        _config = config;
        PatchSize = patchSize;
        _longestEdge = config.LongestEdge ?? DefaultLongestEdge;
    }

    /// <summary>Pixels per patch side.</summary>
    public int PatchSize { get; }

    /// <summary>Decodes the image file at <paramref name="path" /> and preprocesses it.</summary>
    /// <exception cref="ImageFormatException">The file cannot be read or decoded; the message names it.</exception>
    public PixtralPreprocessedImage Preprocess(string path) => Preprocess(ImageDecoder.Decode(path));

    /// <summary>Decodes an image held in memory (<paramref name="name" /> names it in errors) and preprocesses it.</summary>
    /// <exception cref="ImageFormatException">The data cannot be decoded.</exception>
    public PixtralPreprocessedImage Preprocess(byte[] data, string? name = null) => Preprocess(ImageDecoder.Decode(data, name));

    /// <summary>Resizes (if do_resize), rescales and normalises (per their flags) and cuts <paramref name="image" /> into patches.</summary>
    public PixtralPreprocessedImage Preprocess(RgbImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (_config.DoResize)
        {
            var target = TargetSize(image.Width, image.Height);
            image = BicubicResizer.Resize(image, target.Width, target.Height);
        }

        // Without resizing, the patch convolution (kernel = stride = patch) ignores a partial last row or column
        // of pixels, and the reference counts tokens the same way (height // patch).
        var patches = PixtralPatches.Extract(ImageNormalizer.Normalize(image, _config), PatchSize);
        return new PixtralPreprocessedImage(patches, new ImageDimensions(image.Width, image.Height));
    }

    /// <summary>The size a <paramref name="width" /> × <paramref name="height" /> image is resized to.</summary>
    public ImageDimensions TargetSize(int width, int height) => PixtralImageLayout.TargetSize(width, height, _longestEdge, PatchSize);
}
