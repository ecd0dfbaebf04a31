using System.Globalization;

namespace Qrt.Runtime.Tests.Models.Forward;

/// <summary>How close the runtime's FP32 logits must be to the double-precision reference, and the check itself.</summary>
internal static class LogitComparison
{
    /// <summary>
    /// Bound on max |Δlogit| / max |logit| between the runtime (FP32 activations, BF16 weights, which FP32 holds
    /// exactly) and the naive decoder (double). Every difference is FP32 rounding, u = 2⁻²⁴ ≈ 6·10⁻⁸ per
    /// operation. A dot product of length K accumulated in FP32 is off by at most K·u·Σ|x·w| (7.6·10⁻⁶·Σ|x·w| at
    /// K = 128, the widest here); its roundings have random signs, so in practice the error is about
    /// u·√(K/3) ≈ 4·10⁻⁷ of the output's size. The deepest path has about 14 rounding stages per block (norm,
    /// q/k/v, rotary, q·k over head_dim, FP32 softmax, the weighted sum over ≤ 20 positions, o_proj, residual add,
    /// norm, gate/up, SiLU·up, down, add), two blocks, the final norm and the head: about 30 stages, whose
    /// independent errors add in quadrature to √30·4·10⁻⁷ ≈ 2·10⁻⁶ of a logit's scale. Softmax over scores of
    /// size ~2 and gates of size ~1.3 amplify relative errors by at most ~3, giving ≈ 6·10⁻⁶ of the typical
    /// logit, itself below max |logit|. The bound 2·10⁻⁵ leaves a further factor of 3 for the tail over 320
    /// logits and several positions, and stays far below what a wrong formula does: a wrong rotary pairing or
    /// theta, key/value head, eps, norm weight, bias or expert weight moves the logits by 9·10⁻² of max |logit|
    /// or more on these checkpoints (NaiveDecoderTests.Mutations_MoveTheLogitsFarBeyondTheBound requires 10⁻³).
    /// </summary>
    public const double ReferenceBound = 2e-5;

    /// <summary>
    /// Bound on max |Δlogit| / max |logit| between two runtime runs of the same tokens that differ only in how
    /// the prompt was split into appends. Both are FP32 with the same weights; they can differ only where a
    /// reduction is grouped differently (a GEMM blocked by row count, attention over a chunk of new tokens
    /// versus a cached prefix), a subset of the roundings bounded in <see cref="ReferenceBound"/>, each present
    /// in both runs: at most twice that estimate, so the same bound holds.
    /// </summary>
    public const double SummationOrderBound = ReferenceBound;

    /// <summary>max |actual − expected| / max |expected|.</summary>
    public static double RelativeError(IReadOnlyList<float> actual, IReadOnlyList<double> expected) =>
        RelativeError([.. actual.Select(value => (double)value)], expected);

    /// <summary>max |actual − expected| / max |expected|.</summary>
    public static double RelativeError(IReadOnlyList<double> actual, IReadOnlyList<double> expected)
    {
        if (actual.Count != expected.Count)
        {
            throw new ArgumentException($"{actual.Count} logits against {expected.Count}");
        }

        var scale = expected.Max(Math.Abs);
        var worst = actual.Select((value, i) => Math.Abs(value - expected[i])).Max();
        return worst / scale;
    }

    /// <summary>Asserts max |Δ| ≤ <paramref name="bound"/> · max |expected|, naming <paramref name="what"/>.</summary>
    public static void AssertClose(IReadOnlyList<float> actual, IReadOnlyList<double> expected, double bound, string what)
    {
        var error = RelativeError(actual, expected);
        TestContext.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{what}: {error:E2}"));
        Assert.That(
            error,
            Is.LessThanOrEqualTo(bound),
            string.Create(CultureInfo.InvariantCulture, $"{what}: max |Δlogit| / max |logit| = {error:E2}, bound {bound:E1}"));
    }

    /// <summary>The index of the largest value; the lowest index on a tie.</summary>
    /// <summary>How far <paramref name="changed"/> moved from <paramref name="original"/> (max |Δ| / max |original|), written to the test log.</summary>
    public static double Moved(double[] changed, double[] original, string what)
    {
        var error = RelativeError(changed, original);
        TestContext.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{what}: max |Δlogit| / max |logit| = {error:E2}"));
        return error;
    }

    public static int ArgMax<T>(IReadOnlyList<T> values)
        where T : IComparable<T>
    {
        var best = 0;
        for (var i = 1; i < values.Count; i++)
        {
            if (values[i].CompareTo(values[best]) > 0)
            {
                best = i;
            }
        }

        return best;
    }
}
