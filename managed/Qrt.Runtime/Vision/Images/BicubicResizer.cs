using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Qrt.Runtime.Vision.Images;

/// <summary>
/// Bicubic resizing that reproduces Pillow 13.0's <c>Image.resize(size, Image.BICUBIC)</c> on RGB images bit for bit,
/// antialiased when shrinking, as the reference image processors resize.
/// </summary>
/// <remarks>
/// Pillow (libImaging/Resample.c) resizes in two separable passes, each only when that dimension changes. Each output
/// pixel takes a window of source pixels weighted by the a = −0.5 cubic kernel (support 2, stretched by the shrink
/// factor), normalised to sum 1, then turned into fixed point with 22 fractional bits; the sum of byte × weight starts
/// at one half and is shifted back and clamped to 0..255 after each pass. The first pass's result is stored as bytes,
/// so which pass runs first changes the output: see <see cref="VerticalPassFirst" />.
/// </remarks>
public static class BicubicResizer
{
    /// <summary>Pillow's PRECISION_BITS: 32 bits less 8 for the result and 2 for overshoot of the kernel's lobes.</summary>
    internal const int PrecisionBits = 32 - 8 - 2;

    /// <summary>One half in fixed point: every sum starts here, so that dropping the fraction rounds.</summary>
    private const int Half = 1 << (PrecisionBits - 1);

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

        byte[] pixels;
        if (height == image.Height)
        {
            pixels = ResampleRows(image.Pixels, image.Width, 0, image.Height, ResampleWindows.Compute(image.Width, width), width);
        }
        else if (width == image.Width)
        {
            pixels = ResampleColumns(image.Pixels, image.Width, 0, ResampleWindows.Compute(image.Height, height), height);
        }
        else if (VerticalPassFirst(image.Width, image.Height, width, height))
        {
            var shorter = ResampleColumns(image.Pixels, image.Width, 0, ResampleWindows.Compute(image.Height, height), height);
            pixels = ResampleRows(shorter, image.Width, 0, height, ResampleWindows.Compute(image.Width, width), width);
        }
        else
        {
            // The horizontal pass covers only the source rows the vertical pass will read, as Pillow's does. With the
            // whole image as the box that is every row, but the offsets must agree.
            var vertical = ResampleWindows.Compute(image.Height, height);
            var firstRow = vertical.Start[0];
            var lastRow = vertical.Start[height - 1] + vertical.Count[height - 1];
            var narrower = ResampleRows(image.Pixels, image.Width, firstRow, lastRow - firstRow, ResampleWindows.Compute(image.Width, width), width);
            pixels = ResampleColumns(narrower, width, firstRow, vertical, height);
        }

        return new RgbImage(width, height, pixels);
    }

    /// <summary>
    /// Whether Pillow runs the vertical pass before the horizontal one when both dimensions change: since Pillow 13.0
    /// (its pull request 9549), when the height shrinks by more than twice as many pixels as the width does, so a
    /// width that grows never holds it back. Earlier versions always ran the horizontal pass first. Pillow decides on
    /// the integer sizes; tests/goldens/resize holds cases on both sides of the line.
    /// </summary>
    internal static bool VerticalPassFirst(int sourceWidth, int sourceHeight, int width, int height)
    {
        var rowsLost = sourceHeight - height;
        return rowsLost > 0 && rowsLost > 2 * (sourceWidth - width);
    }

    private static byte[] ResampleRows(byte[] source, int sourceWidth, int firstRow, int rows, ResampleWindows windows, int width)
    {
        var output = new byte[3 * width * rows];
        Parallel.For(0, rows, row =>
        {
            var sourceLine = new ReadOnlySpan<byte>(source, 3 * (firstRow + row) * sourceWidth, 3 * sourceWidth);
            var outputLine = new Span<byte>(output, 3 * row * width, 3 * width);
            ResampleLine(sourceLine, windows, outputLine);
        });
        return output;
    }

    /// <summary>One row of the horizontal pass: each output pixel sums its window of source pixels, per channel.</summary>
    private static void ResampleLine(ReadOnlySpan<byte> source, ResampleWindows windows, Span<byte> output)
    {
        ref var pixels = ref MemoryMarshal.GetReference(source);
        var sourceWidth = source.Length / 3;
        for (var x = 0; x < windows.Start.Length; x++)
        {
            var weights = windows.WeightsOf(x);
            // The window lies inside the row (ResampleWindows clamps it), so the unchecked reads below stay in bounds.
            ref var pixel = ref Unsafe.Add(ref pixels, 3 * windows.Start[x]);
            if (Sse41.IsSupported && windows.Start[x] + weights.Length < sourceWidth)
            {
                // R, G, B and the next pixel's R in four 32-bit lanes: one multiply-add per source pixel. The fourth
                // byte is never used, and it exists because the window ends before the row's last pixel.
                var sum = Vector128.Create(Half);
                for (var i = 0; i < weights.Length; i++)
                {
                    var bytes = Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<int>(ref Unsafe.Add(ref pixel, 3 * i))).AsByte();
                    sum += Sse41.ConvertToVector128Int32(bytes) * Vector128.Create(weights[i]);
                }

                output[3 * x] = Clip8(sum.GetElement(0));
                output[(3 * x) + 1] = Clip8(sum.GetElement(1));
                output[(3 * x) + 2] = Clip8(sum.GetElement(2));
                continue;
            }

            int r = Half, g = Half, b = Half;
            for (var i = 0; i < weights.Length; i++)
            {
                var weight = weights[i];
                r += Unsafe.Add(ref pixel, 3 * i) * weight;
                g += Unsafe.Add(ref pixel, (3 * i) + 1) * weight;
                b += Unsafe.Add(ref pixel, (3 * i) + 2) * weight;
            }

            output[3 * x] = Clip8(r);
            output[(3 * x) + 1] = Clip8(g);
            output[(3 * x) + 2] = Clip8(b);
        }
    }

    /// <summary>The vertical pass; row <c>y</c> of <paramref name="source" /> is source row <c>firstRow + y</c>.</summary>
    private static byte[] ResampleColumns(byte[] source, int width, int firstRow, ResampleWindows windows, int height)
    {
        var output = new byte[3 * width * height];
        var rowBytes = 3 * width;
        Parallel.For(0, height, y =>
        {
            var rows = new ReadOnlySpan<byte>(source, (windows.Start[y] - firstRow) * rowBytes, windows.Count[y] * rowBytes);
            ResampleAcrossRows(rows, rowBytes, windows.WeightsOf(y), new Span<byte>(output, y * rowBytes, rowBytes));
        });
        return output;
    }

    /// <summary>
    /// One row of the vertical pass: byte <c>c</c> of the output sums byte <c>c</c> of each row of the window. The same
    /// integer arithmetic runs on whole vectors of bytes at once (widened to 32-bit lanes), then on the remainder.
    /// </summary>
    private static void ResampleAcrossRows(ReadOnlySpan<byte> rows, int rowBytes, ReadOnlySpan<int> weights, Span<byte> output)
    {
        var column = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var half = new Vector<int>(Half);
            for (; column <= rowBytes - Vector<byte>.Count; column += Vector<byte>.Count)
            {
                Vector<int> sum0 = half, sum1 = half, sum2 = half, sum3 = half;
                for (var i = 0; i < weights.Length; i++)
                {
                    var bytes = new Vector<byte>(rows.Slice((i * rowBytes) + column, Vector<byte>.Count));
                    Vector.Widen(bytes, out var low, out var high);
                    Vector.Widen(low, out var lane0, out var lane1);
                    Vector.Widen(high, out var lane2, out var lane3);
                    var weight = new Vector<int>(weights[i]);
                    sum0 += Vector.AsVectorInt32(lane0) * weight;
                    sum1 += Vector.AsVectorInt32(lane1) * weight;
                    sum2 += Vector.AsVectorInt32(lane2) * weight;
                    sum3 += Vector.AsVectorInt32(lane3) * weight;
                }

                var lowHalf = Vector.Narrow(Clip8(sum0), Clip8(sum1));
                var highHalf = Vector.Narrow(Clip8(sum2), Clip8(sum3));
                Vector.Narrow(Vector.AsVectorUInt16(lowHalf), Vector.AsVectorUInt16(highHalf)).CopyTo(output[column..]);
            }
        }

        for (; column < rowBytes; column++)
        {
            var sum = Half;
            for (var i = 0; i < weights.Length; i++)
            {
                sum += rows[(i * rowBytes) + column] * weights[i];
            }

            output[column] = Clip8(sum);
        }
    }

    /// <summary><see cref="Clip8(int)" /> on every lane, leaving each result in the low byte of its 32-bit lane.</summary>
    private static Vector<int> Clip8(Vector<int> sums) =>
        Vector.Min(Vector.Max(Vector.ShiftRightArithmetic(sums, PrecisionBits), Vector<int>.Zero), new Vector<int>(255));

    /// <summary>Pillow's clip8: drop the fraction (an arithmetic shift, so negative sums floor) and clamp to a byte.</summary>
    internal static byte Clip8(int sum) => (byte)Math.Clamp(sum >> PrecisionBits, 0, 255);
}
