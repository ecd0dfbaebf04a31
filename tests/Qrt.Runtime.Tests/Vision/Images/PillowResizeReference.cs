namespace Qrt.Runtime.Tests.Vision.Images;

/// <summary>
/// A plain restatement of Pillow's BICUBIC resize for the tests: for every output pixel, the source range around its
/// centre, weights from the expanded cubic (a = −0.5) normalised to sum 1, rounded to 22-bit fixed point half away
/// from zero, a horizontal pass over all rows then a vertical pass, each adding one half, flooring and clamping.
/// </summary>
internal static class PillowResizeReference
{
    private const int Bits = 22;

    public static byte[] Resize(byte[] pixels, int width, int height, int newWidth, int newHeight)
    {
        var current = pixels;
        var currentWidth = width;
        if (newWidth != width)
        {
            current = Pass(current, width, height, newWidth, horizontal: true);
            currentWidth = newWidth;
        }

        if (newHeight != height)
        {
            current = Pass(current, currentWidth, height, newHeight, horizontal: false);
        }

        return current;
    }

    private static byte[] Pass(byte[] source, int width, int height, int outSize, bool horizontal)
    {
        var inSize = horizontal ? width : height;
        var outWidth = horizontal ? outSize : width;
        var outHeight = horizontal ? height : outSize;
        var output = new byte[3 * outWidth * outHeight];
        var scale = (double)inSize / outSize;
        var stretch = Math.Max(scale, 1.0);
        var support = 2.0 * stretch;

        for (var o = 0; o < outSize; o++)
        {
            var centre = (o + 0.5) * scale;
            var lo = Math.Max(0, (int)Math.Truncate(centre - support + 0.5));
            var hi = Math.Min(inSize, (int)Math.Truncate(centre + support + 0.5));
            var raw = Enumerable.Range(lo, hi - lo).Select(i => Cubic((i - centre + 0.5) / stretch)).ToArray();
            var sum = raw.Sum();
            var fixedWeights = raw.Select(w => sum == 0 ? w : w / sum)
                .Select(w => (int)(w < 0 ? Math.Ceiling(w * (1 << Bits) - 0.5) : Math.Floor(w * (1 << Bits) + 0.5)))
                .ToArray();

            var others = horizontal ? height : width;
            for (var other = 0; other < others; other++)
            {
                for (var channel = 0; channel < 3; channel++)
                {
                    long acc = 1L << (Bits - 1);
                    for (var t = 0; t < fixedWeights.Length; t++)
                    {
                        var i = lo + t;
                        var index = horizontal ? (other * width) + i : (i * width) + other;
                        acc += source[(3 * index) + channel] * (long)fixedWeights[t];
                    }

                    var value = (int)Math.Clamp(Math.Floor(acc / (double)(1 << Bits)), 0, 255);
                    var outIndex = horizontal ? (other * outWidth) + o : (o * outWidth) + other;
                    output[(3 * outIndex) + channel] = (byte)value;
                }
            }
        }

        return output;
    }

    /// <summary>Keys' cubic with a = −0.5 in expanded form.</summary>
    private static double Cubic(double x)
    {
        x = Math.Abs(x);
        return x < 1 ? (1.5 * x * x * x) - (2.5 * x * x) + 1
            : x < 2 ? (-0.5 * x * x * x) + (2.5 * x * x) - (4 * x) + 2
            : 0;
    }
}
