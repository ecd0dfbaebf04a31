namespace Qrt.Runtime.Vision.Processing;

/// <summary>
/// Qwen2-VL's processor rules: the size an image is resized to (smart resize) and the token count of its grid.
/// </summary>
internal static class Qwen2VlImageLayout
{
    /// <summary>Class defaults of the reference image processor, used when preprocessor_config.json is silent.</summary>
    public const int DefaultMinPixels = 56 * 56;

    /// <summary>Class default maximum: 28 · 28 · 1280 pixels (the Qwen2-VL checkpoints' own file says 12845056).</summary>
    public const int DefaultMaxPixels = 28 * 28 * 1280;

    /// <summary>Reference processors refuse images whose longer side is more than this many times the shorter.</summary>
    public const int MaxAspectRatio = 200;

    /// <summary>
    /// The resized size: both sides multiples of <paramref name="factor" /> (patch_size · merge_size = 28), the
    /// area brought within [<paramref name="minPixels" />, <paramref name="maxPixels" />], the aspect ratio kept
    /// as closely as that allows.
    /// </summary>
    /// <remarks>
    /// The current transformers rule, in double precision as Python computes it: each side is first rounded to the
    /// nearest multiple of the factor (Python's round: halves to even); if that area exceeds maxPixels, both sides
    /// are divided by beta = √(h·w / maxPixels) and floored to multiples (at least one factor each); if it falls
    /// short of minPixels, both are multiplied by beta = √(minPixels / (h·w)) and ceiled to multiples.
    /// Older transformers also refused any side shorter than the factor ("must be larger than factor") and had no
    /// at-least-one-factor floor; the current version resizes such images up instead.
    /// </remarks>
    /// <exception cref="ArgumentException">The aspect ratio exceeds 200, or the limits leave a side of 0 pixels.</exception>
    public static ImageDimensions SmartResize(int height, int width, int factor = 28, int minPixels = DefaultMinPixels, int maxPixels = DefaultMaxPixels)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(factor);
        ArgumentOutOfRangeException.ThrowIfNegative(minPixels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxPixels);

        var aspect = Math.Max(height, width) / (double)Math.Min(height, width);
        if (aspect > MaxAspectRatio)
        {
            throw new ArgumentException(
                $"a {width}x{height} image has an aspect ratio of {aspect:0.###}; Qwen2-VL takes at most {MaxAspectRatio}");
        }

        double area = (double)height * width;
        var resizedHeight = RoundToMultiple(height, factor);
        var resizedWidth = RoundToMultiple(width, factor);
        if ((long)resizedHeight * resizedWidth > maxPixels)
        {
            var beta = Math.Sqrt(area / maxPixels);
            resizedHeight = Math.Max(factor, FloorToMultiple(height / beta, factor));
            resizedWidth = Math.Max(factor, FloorToMultiple(width / beta, factor));
        }
        else if ((long)resizedHeight * resizedWidth < minPixels)
        {
            var beta = Math.Sqrt(minPixels / area);
            resizedHeight = CeilingToMultiple(height * beta, factor);
            resizedWidth = CeilingToMultiple(width * beta, factor);
        }

        if (resizedHeight == 0 || resizedWidth == 0)
        {
            // Only reachable with min_pixels 0: the nearest multiple of a side shorter than half a factor is 0.
            throw new ArgumentException(
                $"a {width}x{height} image resizes to {resizedWidth}x{resizedHeight} with factor {factor} and min_pixels {minPixels}; a side of 0 pixels cannot be encoded");
        }

        return new ImageDimensions(resizedWidth, resizedHeight);
    }

    /// <summary>Tokens an image of <paramref name="grid" /> becomes after the 2 × 2 patch merger: t · h · w / merge².</summary>
    public static int TokenCount(Qwen2VlGrid grid, int mergeSize = 2) => grid.PatchCount / (mergeSize * mergeSize);

    // Python's round(x / f) * f: Math.Round defaults to halves-to-even, as Python 3's round does.
    private static int RoundToMultiple(int value, int factor) => checked((int)Math.Round(value / (double)factor) * factor);

    private static int FloorToMultiple(double value, int factor) => checked((int)Math.Floor(value / factor) * factor);

    private static int CeilingToMultiple(double value, int factor) => checked((int)Math.Ceiling(value / factor) * factor);
}
