namespace Qrt.Runtime.Tests.Models.Forward;

/// <summary>The elementwise and vector formulas of the decoder, in double precision, one vector at a time.</summary>
internal static class NaiveMath
{
    /// <summary>y = W·x (+ b) for a row-major weight [out, in], as torch.nn.Linear.</summary>
    public static double[] Linear(double[] weight, double[]? bias, double[] x, int outFeatures)
    {
        var inFeatures = x.Length;
        if (weight.Length != outFeatures * inFeatures)
        {
            throw new ArgumentException($"weight holds {weight.Length} values, not {outFeatures} x {inFeatures}");
        }

        var y = new double[outFeatures];
        for (var o = 0; o < outFeatures; o++)
        {
            var sum = bias?[o] ?? 0.0;
            var row = o * inFeatures;
            for (var i = 0; i < inFeatures; i++)
            {
                sum += weight[row + i] * x[i];
            }

            y[o] = sum;
        }

        return y;
    }

    /// <summary>RMSNorm: x / sqrt(mean(x²) + eps) · w.</summary>
    public static double[] RmsNorm(double[] x, double[] weight, double eps)
    {
        var meanSquare = x.Sum(value => value * value) / x.Length;
        var inverse = 1.0 / Math.Sqrt(meanSquare + eps);
        return [.. x.Select((value, i) => value * inverse * weight[i])];
    }

    /// <summary>SiLU: x · sigmoid(x).</summary>
    public static double Silu(double x) => x / (1.0 + Math.Exp(-x));

    /// <summary>Softmax over all values, shifted by the maximum.</summary>
    public static double[] Softmax(IReadOnlyList<double> values)
    {
        var max = values.Max();
        var exps = values.Select(value => Math.Exp(value - max)).ToArray();
        var total = exps.Sum();
        return [.. exps.Select(value => value / total)];
    }

    public static double[] Add(double[] a, double[] b) => [.. a.Select((value, i) => value + b[i])];
}
