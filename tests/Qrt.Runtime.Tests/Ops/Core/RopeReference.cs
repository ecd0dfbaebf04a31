using static Qrt.Runtime.Tests.Ops.Core.CoreTesting;

namespace Qrt.Runtime.Tests.Ops.Core;

/// <summary>The half-split ("rotate_half") rotary embedding of qrt.h, in double, on [T, H, D] row-major values.</summary>
internal static class RopeReference
{
    /// <summary>HF's default frequencies 1 / base^(2i / R) for i &lt; R/2, as F32.</summary>
    public static float[] InverseFrequencies(int rotaryDims, double theta = 10000) =>
        Enumerable.Range(0, rotaryDims / 2).Select(i => (float)(1.0 / Math.Pow(theta, 2.0 * i / rotaryDims))).ToArray();

    /// <summary>angle[t][i] = positions[t] · inv_freq[i] as one FP32 multiply, as qrt.h defines it.</summary>
    public static float[] Angles(long[] positions, float[] inverseFrequencies)
    {
        var half = inverseFrequencies.Length;
        var angles = new float[positions.Length * half];
        for (var t = 0; t < positions.Length; t++)
        {
            for (var i = 0; i < half; i++)
            {
                angles[(t * half) + i] = (float)positions[t] * inverseFrequencies[i];
            }
        }

        return angles;
    }

    /// <summary>Rotates the first 2·half dims of every head; cos and sin are [T, half].</summary>
    public static double[] Rotate(float[] x, int tokens, int heads, int dims, double[] cos, double[] sin)
    {
        var half = cos.Length / tokens;
        var y = Widen(x);
        for (var t = 0; t < tokens; t++)
        {
            for (var h = 0; h < heads; h++)
            {
                var head = ((t * heads) + h) * dims;
                for (var i = 0; i < half; i++)
                {
                    double a = x[head + i], b = x[head + i + half];
                    double c = cos[(t * half) + i], s = sin[(t * half) + i];
                    y[head + i] = (a * c) - (b * s);
                    y[head + i + half] = (b * c) + (a * s);
                }
            }
        }

        return y;
    }

    /// <summary>The largest |x[i]| + |x[i + half]| of any rotated pair, which bounds the size of every output.</summary>
    public static double LargestPair(float[] x, int tokens, int heads, int dims, int half)
    {
        double largest = 0;
        for (var head = 0; head < tokens * heads; head++)
        {
            for (var i = 0; i < half; i++)
            {
                largest = Math.Max(largest, Math.Abs(x[(head * dims) + i]) + Math.Abs(x[(head * dims) + i + half]));
            }
        }

        return largest;
    }
}
