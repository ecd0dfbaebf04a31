using Qrt.Runtime.Tests.Support;
using static Qrt.Runtime.Tests.Ops.Core.CoreTesting;
using static Qrt.Runtime.Tests.Support.Rejection;
using static Qrt.Runtime.Tests.Support.TensorBits;
using static Qrt.Runtime.Tests.Support.TensorSpec;

namespace Qrt.Runtime.Tests.Ops.Core;

[TestFixture]
internal sealed class LayerNormTests : CpuStreamFixture
{
    private const float Eps = 1e-5f;

    private static readonly Call ValidArguments = new(
        X: Zeros(DType.F32, 3, 7),
        Weight: Zeros(DType.F32, 7),
        Bias: null,
        Eps,
        Y: Zeros(DType.F32, 3, 7));

    public static IEnumerable<TestCaseData> Cases() =>
        from x in StorageFloatDTypes
        from parameters in StorageFloatDTypes
        from y in StorageFloatDTypes
        from withBias in new[] { true, false }
        from shape in new[] { Shape(1, 3), Shape(1, 7), Shape(3, 17), Shape(2, 3, 33), Shape(5, 127) }
        select new TestCaseData(x, parameters, y, withBias, shape);

    public static IEnumerable<TestCaseData> BadArguments() => BadArgument.Cases<Call>(
        new("an integer x", c => c with { X = Zeros(DType.I32, 3, 7) }, "x"),
        new("an integer bias", c => c with { Bias = Zeros(DType.U8, 7) }, "bias"),
        new("a weight of another width", c => c with { Weight = Zeros(DType.BF16, 6) }, "weight"),
        new("a bias of another width", c => c with { Bias = Zeros(DType.F32, 8) }, "bias"),
        new("a y of another width", c => c with { Y = Zeros(DType.F32, 3, 6) }, "y"),
        new("a negative eps", c => c with { Eps = -Eps }, "eps"));

    [TestCaseSource(nameof(Cases))]
    public void LayerNorm_MatchesReference_WithAndWithoutBias(DType xType, DType parameterType, DType yType, bool withBias, long[] shape)
    {
        var hidden = (int)shape[^1];
        var data = new TestData(51);
        var x = Stored(xType, data.Normal(Count(shape), 2.0).Select(v => v + 0.5f).ToArray());
        var w = Stored(parameterType, data.Uniform(hidden, -1.5f, 1.5f));
        var b = withBias ? Stored(parameterType, data.Uniform(hidden)) : null;

        var actual = Run(xType, x, parameterType, w, b, yType, shape, Eps);

        var (expected, atol) = Reference(x, w, b, Eps);
        Tolerance.AssertClose(actual, expected, atol * (1 + StoreRounding(yType)), Rtol(yType), $"{xType} x, {parameterType} w/b, {yType} y, bias {withBias}");
    }

    [Test]
    public void LayerNorm_KeepsItsPrecision_ForRowsFarFromZero()
    {
        const int Rows = 5, Hidden = 127;
        var data = new TestData(52);
        var x = data.Normal(Rows * Hidden).Select(v => 100f + v).ToArray();
        var w = data.Uniform(Hidden, 0.5f, 1.5f);
        var b = data.Uniform(Hidden);

        var actual = Run(DType.F32, x, DType.F32, w, b, DType.F32, [Rows, Hidden], Eps);

        // The bound charges the FP32 mean's error (H·2^-24·mean|x| ≈ 100·H·2^-24) against σ ≈ 1; a variance taken as
        // mean(x²) − mean² would be off by about H·2^-24·10^4, far outside it.
        var (expected, atol) = Reference(x, w, b, Eps);
        Tolerance.AssertClose(actual, expected, atol, Rtol(DType.F32), "rows of mean 100 and deviation 1");
    }

    [TestCase(0f)]
    [TestCase(0.25f)]
    public void LayerNorm_AddsEpsToTheVariance(float eps)
    {
        const int Hidden = 33;
        var data = new TestData(53);
        var x = data.Normal(3 * Hidden, 0.5);
        var w = data.Uniform(Hidden);

        var actual = Run(DType.F32, x, DType.F32, w, null, DType.F32, [3, Hidden], eps);

        var (expected, atol) = Reference(x, w, null, eps);
        Tolerance.AssertClose(actual, expected, atol, Rtol(DType.F32), $"eps {eps}");
    }

    [TestCase(DType.F32)]
    [TestCase(DType.BF16)]
    public void LayerNorm_WorksInPlace_WhenYIsX(DType dtype)
    {
        const int Hidden = 17;
        var data = new TestData(54);
        var x = Stored(dtype, data.Normal(7 * Hidden));
        var w = data.Uniform(Hidden);
        var b = data.Uniform(Hidden);
        using var tx = Upload(dtype, x, 7, Hidden);
        using var tw = Upload(DType.F32, w, Hidden);
        using var tb = Upload(DType.F32, b, Hidden);

        Qrt.Runtime.Ops.LayerNorm(Stream, tx, tw, tb, Eps, tx);

        var (expected, atol) = Reference(x, w, b, Eps);
        Tolerance.AssertClose(Read(tx), expected, atol * (1 + StoreRounding(dtype)), Rtol(dtype), "x after y = x");
    }

    [Test]
    public void LayerNorm_AcceptsTheArguments_ThatEachBadArgumentCaseChanges() =>
        Assert.That(() => Invoke(ValidArguments), Throws.Nothing);

    [TestCaseSource(nameof(BadArguments))]
    public void LayerNorm_Refuses(BadArgument<Call> bad)
    {
        AssertRejected(() => Invoke(bad.Change(ValidArguments)), "qrt_layer_norm", bad.Argument);

        AssertAValidLayerNormSucceeds();
    }

    [Test]
    public void LayerNorm_ThrowsObjectDisposed_ForADisposedBias()
    {
        Assert.Throws<ObjectDisposedException>(() => Invoke(ValidArguments with { Bias = Zeros(DType.F32, 7).Disposed() }));

        AssertAValidLayerNormSucceeds();
    }

    /// <summary>
    /// y = (x − mean) / sqrt(var + eps) · w + b with the biased variance, in double; and the absolute error an FP32
    /// evaluation may make on top of its final rounding, from the analysis of the two-pass algorithm:
    /// the mean is off by up to H·2^-24·mean|x|, which shifts every deviation (divided by σ); the variance's
    /// (H + 4)·2^-24 relative error halves under the square root, and the sqrt, reciprocal, two products add one
    /// rounding each, all relative to |z·w|.
    /// </summary>
    private static (double[] Expected, double Atol) Reference(float[] x, float[] w, float[]? b, float eps)
    {
        var hidden = w.Length;
        var expected = new double[x.Length];
        double atol = 0;
        for (var row = 0; row < x.Length / hidden; row++)
        {
            var values = x.AsSpan(row * hidden, hidden).ToArray().Select(v => (double)v).ToArray();
            var mean = values.Average();
            var variance = values.Sum(v => (v - mean) * (v - mean)) / hidden;
            var sigma = Math.Sqrt(variance + eps);
            var meanAbs = values.Average(Math.Abs);
            for (var i = 0; i < hidden; i++)
            {
                var z = (values[i] - mean) / sigma;
                expected[(row * hidden) + i] = (z * w[i]) + (b?[i] ?? 0.0);
                var bound = Math.Abs(w[i]) * ((Math.Abs(z) * (((hidden + 4) / 2.0) + 4)) + (hidden * meanAbs / sigma)) * Fp32Unit;
                atol = Math.Max(atol, bound);
            }
        }

        return (expected, atol);
    }

    // The bias addition rounds once in FP32, then the store to y's dtype.
    private static double Rtol(DType yType) => Fp32Unit + (StoreRounding(yType) * (1 + Fp32Unit));

    private float[] Run(DType xType, float[] x, DType parameterType, float[] w, float[]? b, DType yType, long[] shape, float eps)
    {
        using var tx = Upload(xType, x, shape);
        using var tw = Upload(parameterType, w, w.Length);
        using var tb = b is null ? null : Upload(parameterType, b, b.Length);
        using var ty = QrtTensor.Empty(yType, shape);
        Qrt.Runtime.Ops.LayerNorm(Stream, tx, tw, tb, eps, ty);
        return Read(ty);
    }

    private void AssertAValidLayerNormSucceeds()
    {
        using var x = Upload(DType.F32, [1f, 3f], 1, 2);
        using var w = Upload(DType.F32, [1f, 2f], 2);
        using var b = Upload(DType.F32, [0.5f, 0.5f], 2);
        using var y = QrtTensor.Empty(DType.F32, [1, 2]);
        Qrt.Runtime.Ops.LayerNorm(Stream, x, w, b, 0f, y);
        // Deviations ±1 from the mean 2 with σ = 1: every step is exact in FP32.
        Assert.That(Read(y), Is.EqualTo(new[] { -0.5f, 2.5f }), "a valid layer_norm on the same stream after the failure");
    }

    private void Invoke(Call c)
    {
        using var tensors = new TensorScope();
        Qrt.Runtime.Ops.LayerNorm(Stream, tensors.Make(c.X), tensors.Make(c.Weight), tensors.Make(c.Bias), c.Eps, tensors.Make(c.Y));
    }

    internal sealed record Call(TensorSpec X, TensorSpec Weight, TensorSpec? Bias, float Eps, TensorSpec Y);
}
