namespace Qrt.Runtime.Tests.Models.Forward;

/// <summary>
/// Rotary position embedding in transformers' rotate_half convention: inv_freq_i = θ^(−2i/d) for i &lt; d/2, the
/// angle of position p is p · inv_freq_i, and dimension i pairs with dimension i + d/2:
/// x'_i = x_i·cos − x_{i+d/2}·sin, x'_{i+d/2} = x_{i+d/2}·cos + x_i·sin (q·cos + rotate_half(q)·sin).
/// </summary>
internal static class NaiveRotary
{
    /// <summary>Rotates the head of width <paramref name="headDim"/> starting at <paramref name="offset"/> in place.</summary>
    public static void Apply(double[] values, int offset, int headDim, int position, double theta)
    {
        var half = headDim / 2;
        for (var i = 0; i < half; i++)
        {
            var inverseFrequency = Math.Pow(theta, -2.0 * i / headDim);
            var angle = position * inverseFrequency;
            var (sin, cos) = Math.SinCos(angle);
            var first = values[offset + i];
            var second = values[offset + i + half];
            values[offset + i] = (first * cos) - (second * sin);
            values[offset + i + half] = (second * cos) + (first * sin);
        }
    }
}
