namespace Qrt.Runtime.Vision.Images;

/// <summary>
/// For each output position along one axis: the first source index, how many source pixels it reads, and their
/// fixed-point bicubic weights — Pillow's <c>precompute_coeffs</c> followed by <c>normalize_coeffs_8bpc</c>.
/// </summary>
internal sealed class ResampleWindows
{
    private const double Support = 2.0;

    private ResampleWindows(int[] start, int[] count, int[] weights, int stride)
    {
        Start = start;
        Count = count;
        Weights = weights;
        Stride = stride;
    }

    /// <summary>First source index each output pixel reads.</summary>
    public int[] Start { get; }

    /// <summary>Number of source pixels each output pixel reads.</summary>
    public int[] Count { get; }

    /// <summary>Weights with <see cref="BicubicResizer.PrecisionBits" /> fractional bits, <see cref="Stride" /> per output pixel.</summary>
    public int[] Weights { get; }

    /// <summary>Slots per output pixel in <see cref="Weights" /> (Pillow's ksize).</summary>
    public int Stride { get; }

    /// <summary>The <see cref="Count" /> weights of output pixel <paramref name="output" />.</summary>
    public ReadOnlySpan<int> WeightsOf(int output) => new(Weights, output * Stride, Count[output]);

    /// <summary>The windows for resizing <paramref name="inputSize" /> pixels to <paramref name="outputSize" />.</summary>
    public static ResampleWindows Compute(int inputSize, int outputSize)
    {
        // The box is the whole image: Pillow computes its extent in float, exact for any realistic size.
        var scale = (double)(float)inputSize / outputSize;
        var filterScale = Math.Max(scale, 1.0);
        var support = Support * filterScale;
        var stride = ((int)Math.Ceiling(support) * 2) + 1;

        var start = new int[outputSize];
        var count = new int[outputSize];
        var weights = new int[outputSize * stride];
        var window = new double[stride];
        for (var output = 0; output < outputSize; output++)
        {
            var center = (output + 0.5) * scale;
            var inverseScale = 1.0 / filterScale;
            // C's (int) truncates toward zero; a negative start is clamped to 0 either way.
            var first = Math.Max((int)(center - support + 0.5), 0);
            var last = Math.Min((int)(center + support + 0.5), inputSize);
            var taps = last - first;

            var total = 0.0;
            for (var i = 0; i < taps; i++)
            {
                var weight = Kernel((i + first - center + 0.5) * inverseScale);
                window[i] = weight;
                total += weight;
            }

            for (var i = 0; i < taps; i++)
            {
                var normalised = total != 0.0 ? window[i] / total : window[i];
                weights[(output * stride) + i] = ToFixedPoint(normalised);
            }

            start[output] = first;
            count[output] = taps;
        }

        return new ResampleWindows(start, count, weights, stride);
    }

    /// <summary>The bicubic convolution kernel with a = −0.5, in Pillow's evaluation order.</summary>
    internal static double Kernel(double x)
    {
        const double a = -0.5;
        if (x < 0.0)
        {
            x = -x;
        }

        if (x < 1.0)
        {
            return ((((a + 2.0) * x) - (a + 3.0)) * x * x) + 1;
        }

        if (x < 2.0)
        {
            return ((((x - 5) * x) + 8) * x - 4) * a;
        }

        return 0.0;
    }

    /// <summary>Pillow's conversion to fixed point: scale by 2^22 and round half away from zero by truncation.</summary>
    internal static int ToFixedPoint(double weight)
    {
        var scaled = weight * (1 << BicubicResizer.PrecisionBits);
        return weight < 0 ? (int)(-0.5 + scaled) : (int)(0.5 + scaled);
    }
}
