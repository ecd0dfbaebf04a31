using static Qrt.Runtime.Tests.Ops.Core.CoreTesting;

namespace Qrt.Runtime.Tests.Ops.Core;

/// <summary>The activations of qrt.h in double, with erf written out (.NET has none), and their FP32 error bounds.</summary>
internal static class ActivationReference
{
    public static readonly Activation[] All = [Activation.Silu, Activation.Gelu, Activation.GeluTanh, Activation.QuickGelu];

    /// <summary>act(x); ±∞ give the limits +∞ and 0, since every act(x) is x·g(x) with g → 1 and g → 0 there.</summary>
    public static double Apply(Activation activation, double x)
    {
        if (double.IsPositiveInfinity(x))
        {
            return x;
        }

        if (double.IsNegativeInfinity(x))
        {
            return 0;
        }

        return activation switch
        {
            Activation.Silu => x * Sigmoid(x),
            Activation.Gelu => x * 0.5 * Erfc(-x / Math.Sqrt(2)),
            // 0.5·(1 + tanh(w)) is exactly σ(2w), which does not cancel for x ≪ 0.
            Activation.GeluTanh => x * Sigmoid(2 * Math.Sqrt(2 / Math.PI) * (x + (0.044715 * x * x * x))),
            Activation.QuickGelu => x * Sigmoid(1.702 * x),
            _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "unknown activation"),
        };
    }

    /// <summary>
    /// Relative error bound of an FP32 evaluation for |x| ≤ largest, in units of 2^-24: exp or erfc within one or
    /// four ulps and a few roundings (8), plus the rounding of the function's argument times the function's condition
    /// number there: σ(z) has |z|·(1 − σ(z)) ≤ |z|, erfc(y) has less than 2y² + 1.
    /// </summary>
    public static double Rtol(Activation activation, double largest)
    {
        var units = activation switch
        {
            Activation.Silu => 8,
            // 1.702 and 1.702·x each rounded: 2 units in z.
            Activation.QuickGelu => 8 + (2 * 1.702 * largest),
            // x³ (2), the constant and its product (2), the sum (1), √(2/π) and its product (2): 7 units in z = 2w.
            Activation.GeluTanh => 8 + (7 * 2 * Math.Sqrt(2 / Math.PI) * (largest + (0.044715 * largest * largest * largest))),
            // 1/√2 and its product: 2 units in y; erfcf within 4 ulps (8 units); the halving is exact.
            Activation.Gelu => 16 + (2 * ((2 * largest * largest / 2) + 1)),
            _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "unknown activation"),
        };
        return units * Fp32Unit;
    }

    private static double Sigmoid(double z) => 1 / (1 + Math.Exp(-z));

    private static double Erfc(double y)
    {
        if (y < 0)
        {
            return 2 - Erfc(-y);
        }

        if (y < 1)
        {
            return 1 - Erf(y);
        }

        // Laplace's continued fraction, evaluated from the tail: erfc(y) = e^(−y²) / (√π · (y + ½/(y + 1/(y + …)))).
        var fraction = y;
        for (var k = 200; k >= 1; k--)
        {
            fraction = y + (k / 2.0 / fraction);
        }

        return Math.Exp(-y * y) / (Math.Sqrt(Math.PI) * fraction);
    }

    // erf(y) = 2/√π · e^(−y²) · Σ (2y²)^n · y / (2n + 1)!!, a series of positive terms that does not cancel.
    private static double Erf(double y)
    {
        double term = y, total = 0;
        for (var n = 1; term > 1e-18 * total || n == 1; n++)
        {
            total += term;
            term *= 2 * y * y / ((2 * n) + 1);
        }

        return 2 / Math.Sqrt(Math.PI) * Math.Exp(-y * y) * total;
    }
}
