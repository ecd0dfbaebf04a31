using Qrt.Runtime.Tests.Reference;
using Qrt.Runtime.Tests.Support;

namespace Qrt.Runtime.Tests.Ops.Gemm;

/// <summary>An expected output and the largest |scale|·Σ|x·w| + |bias| over its elements, which bounds its rounding.</summary>
internal sealed record Expected(double[] Values, double Magnitude);

/// <summary>
/// The linear layer of qrt.h written as naive loops in double precision:
/// y[m][n] = rowScale[m]·colScale[n]·Σk x[m][k]·w[n][k] + bias[n].
/// </summary>
internal static class GemmReference
{
    /// <summary>Unit roundoff of FP32.</summary>
    public static readonly double Fp32Unit = Math.Pow(2, -24);

    /// <summary>
    /// y for x [m, k] and w [n, k]; rowScale has 1 or m entries, colScale 1 or n, bias n (absent ones count as 1 and 0).
    /// </summary>
    public static Expected Linear(
        double[] x, double[] w, int m, int n, int k, double[]? bias = null, double[]? rowScale = null, double[]? colScale = null)
    {
        var values = new double[m * n];
        var magnitude = 0.0;
        for (var r = 0; r < m; r++)
        {
            for (var c = 0; c < n; c++)
            {
                double sum = 0, absSum = 0;
                for (var i = 0; i < k; i++)
                {
                    var product = x[(r * k) + i] * w[(c * k) + i];
                    sum += product;
                    absSum += Math.Abs(product);
                }

                var scale = Pick(rowScale, r) * Pick(colScale, c);
                var b = bias is null ? 0 : bias[c];
                values[(r * n) + c] = (scale * sum) + b;
                magnitude = Math.Max(magnitude, (Math.Abs(scale) * absSum) + Math.Abs(b));
            }
        }

        return new Expected(values, magnitude);
    }

    /// <summary>
    /// (atol, rtol) for a result accumulated in FP32 over k products — γ_k ≤ (k + 1)·2^-24 of Σ|x·w| — followed by
    /// <paramref name="extraRoundings"/> FP32 roundings of at most the same magnitude (weight dequantization, scale
    /// products, bias add), then one rounding to <paramref name="output"/> (its unit roundoff, relative).
    /// </summary>
    public static (double Atol, double Rtol) Fp32Bound(int k, int extraRoundings, double magnitude, DType output)
    {
        var outputUnit = output == DType.F32 ? 0 : NumberFormats.UnitRoundoff(output);
        var atol = (k + 1 + extraRoundings) * Fp32Unit * magnitude * (1 + outputUnit);
        return (atol, outputUnit);
    }

    /// <summary>Asserts y matches the expectation within <see cref="Fp32Bound"/>.</summary>
    public static void AssertMatches(QrtTensor y, Expected expected, int k, int extraRoundings, string what)
    {
        var (atol, rtol) = Fp32Bound(k, extraRoundings, expected.Magnitude, y.DType);
        Tolerance.AssertClose(TensorBits.Read(y), expected.Values, atol, rtol, what);
    }

    /// <summary>Σk a[m][k]·w[n][k] − zeroPoint·Σk w[n][k], exactly.</summary>
    public static long[] ExactInt8Sums(sbyte[] a, sbyte[] w, int m, int n, int k, int zeroPoint)
    {
        var sums = new long[m * n];
        for (var r = 0; r < m; r++)
        {
            for (var c = 0; c < n; c++)
            {
                long sum = 0, weightSum = 0;
                for (var i = 0; i < k; i++)
                {
                    sum += a[(r * k) + i] * w[(c * k) + i];
                    weightSum += w[(c * k) + i];
                }

                sums[(r * n) + c] = sum - (zeroPoint * weightSum);
            }
        }

        return sums;
    }

    /// <summary>rowScale[m]·colScale[n]·sums + bias in double, with the magnitude |scale·sum| + |bias| that bounds its rounding.</summary>
    public static Expected ScaledSums(long[] sums, int m, int n, double[] rowScale, double[] colScale, double[]? bias)
    {
        var values = new double[m * n];
        var magnitude = 0.0;
        for (var r = 0; r < m; r++)
        {
            for (var c = 0; c < n; c++)
            {
                var scaled = rowScale[rowScale.Length == 1 ? 0 : r] * colScale[colScale.Length == 1 ? 0 : c] * sums[(r * n) + c];
                var b = bias?[c] ?? 0;
                values[(r * n) + c] = scaled + b;
                magnitude = Math.Max(magnitude, Math.Abs(scaled) + Math.Abs(b));
            }
        }

        return new Expected(values, magnitude);
    }

    private static double Pick(double[]? values, int index) => values is null ? 1 : values.Length == 1 ? values[0] : values[index];
}
