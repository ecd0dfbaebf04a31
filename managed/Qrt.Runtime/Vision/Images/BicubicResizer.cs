namespace Qrt.Runtime.Vision.Images;

/// <summary>
/// Bicubic resizing that reproduces Pillow's <c>Image.resize(size, Image.BICUBIC)</c> on RGB images bit for bit,
/// antialiased when shrinking, as the reference image processors resize.
/// </summary>
/// <remarks>
/// Pillow (libImaging/Resample.c) resizes in two separable passes, horizontal first, each only when that dimension
/// changes. Each output pixel takes a window of source pixels weighted by the a = −0.5 cubic kernel (support 2,
/// stretched by the shrink factor), normalised to sum 1, then turned into fixed point with 22 fractional bits; the
/// sum of byte × weight starts at one half and is shifted back and clamped to 0..255 after each pass.
/// </remarks>
public static class BicubicResizer
{
    /// <summary>Pillow's PRECISION_BITS: 32 bits less 8 for the result and 2 for overshoot of the kernel's lobes.</summary>
    internal const int PrecisionBits = 32 - 8 - 2;

    /// <summary>Resizes <paramref name="image" /> to <paramref name="width" /> × <paramref name="height" />.</summary>
    public static RgbImage Resize(RgbImage image, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        if ((long)width * height > ImageDecoder.MaxPixels)
        {
            throw new ArgumentOutOfRangeException(nameof(width), $"{width}x{height} is more than {ImageDecoder.MaxPixels} pixels");
        }

        if (width == image.Width && height == image.Height)
        {
            return new RgbImage(width, height, (byte[])image.Pixels.Clone());
        }

        var vertical = ResampleWindows.Compute(image.Height, height);
        var pixels = image.Pixels;
        var currentWidth = image.Width;
        var firstRow = 0;

        if (width != image.Width)
        {
            // Pillow runs the horizontal pass only over the source rows the vertical pass will read.
            var horizontal = ResampleWindows.Compute(image.Width, width);
            firstRow = height != image.Height ? vertical.Start[0] : 0;
            var lastRow = height != image.Height ? vertical.Start[height - 1] + vertical.Count[height - 1] : image.Height;
            pixels = ResampleRows(pixels, image.Width, firstRow, lastRow - firstRow, horizontal, width);
            currentWidth = width;
        }

        if (height != image.Height)
        {
            pixels = ResampleColumns(pixels, currentWidth, firstRow, vertical, height);
        }

        return new RgbImage(width, height, pixels);
    }

    private static byte[] ResampleRows(byte[] source, int sourceWidth, int firstRow, int rows, ResampleWindows windows, int width)
    {
        var output = new byte[3 * width * rows];
        Parallel.For(0, rows, row =>
        {
            var sourceRow = 3 * (firstRow + row) * sourceWidth;
            var outputRow = 3 * row * width;
            for (var x = 0; x < width; x++)
            {
                var start = windows.Start[x];
                var count = windows.Count[x];
                var weights = x * windows.Stride;
                int r = 1 << (PrecisionBits - 1), g = r, b = r;
                for (var i = 0; i < count; i++)
                {
                    var weight = windows.Weights[weights + i];
                    var at = sourceRow + (3 * (start + i));
                    r += source[at] * weight;
                    g += source[at + 1] * weight;
                    b += source[at + 2] * weight;
                }

                output[outputRow + (3 * x)] = Clip8(r);
                output[outputRow + (3 * x) + 1] = Clip8(g);
                output[outputRow + (3 * x) + 2] = Clip8(b);
            }
        });
        return output;
    }

    /// <summary>The vertical pass; row <c>y</c> of <paramref name="source" /> is source row <c>firstRow + y</c>.</summary>
    private static byte[] ResampleColumns(byte[] source, int width, int firstRow, ResampleWindows windows, int height)
    {
        var output = new byte[3 * width * height];
        var rowBytes = 3 * width;
        Parallel.For(0, height, y =>
        {
            var start = windows.Start[y] - firstRow;
            var count = windows.Count[y];
            var weights = y * windows.Stride;
            var outputRow = y * rowBytes;
            for (var column = 0; column < rowBytes; column++)
            {
                var sum = 1 << (PrecisionBits - 1);
                for (var i = 0; i < count; i++)
                {
                    sum += source[((start + i) * rowBytes) + column] * windows.Weights[weights + i];
                }

                output[outputRow + column] = Clip8(sum);
            }
        });
        return output;
    }

    /// <summary>Pillow's clip8: drop the fraction (an arithmetic shift, so negative sums floor) and clamp to a byte.</summary>
    internal static byte Clip8(int sum) => (byte)Math.Clamp(sum >> PrecisionBits, 0, 255);
}
