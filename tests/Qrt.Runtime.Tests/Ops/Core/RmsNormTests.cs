using Qrt.Runtime.Tests.Reference;
using Qrt.Runtime.Tests.Support;
using static Qrt.Runtime.Tests.Ops.Core.CoreTesting;
using static Qrt.Runtime.Tests.Support.Rejection;
using static Qrt.Runtime.Tests.Support.TensorBits;
using static Qrt.Runtime.Tests.Support.TensorSpec;

namespace Qrt.Runtime.Tests.Ops.Core;

[TestFixture]
internal sealed class RmsNormTests : CpuStreamFixture
{
    private static readonly Call ValidArguments = new(
        X: Zeros(DType.F32, 3, 7),
        Weight: Zeros(DType.F32, 7),
        Eps: 1e-6f,
        Y: Zeros(DType.F32, 3, 7));

    public static IEnumerable<TestCaseData> Cases() =>
        from x in StorageFloatDTypes
        from w in StorageFloatDTypes
        from y in StorageFloatDTypes
        from shape in new[] { Shape(1, 1), Shape(1, 7), Shape(3, 17), Shape(2, 3, 33), Shape(5, 127) }
        select new TestCaseData(x, w, y, shape);

    public static IEnumerable<TestCaseData> BadArguments() => BadArgument.Cases<Call>(
        new("an integer x", c => c with { X = Zeros(DType.I32, 3, 7) }, "x"),
        new("an integer weight", c => c with { Weight = Zeros(DType.I8, 7) }, "weight"),
        new("an integer y", c => c with { Y = Zeros(DType.I32, 3, 7) }, "y"),
        new("a weight of another width", c => c with { Weight = Zeros(DType.F32, 8) }, "weight"),
        new("a transposed y", c => c with { Y = Zeros(DType.F32, 7, 3) }, "y"),
        new("a negative eps", c => c with { Eps = -1f }, "eps"),
        new("a NaN eps", c => c with { Eps = float.NaN }, "eps"));

    [TestCaseSource(nameof(Cases))]
    public void RmsNorm_MatchesTransformers_ForEveryDTypeAndShape(DType xType, DType wType, DType yType, long[] shape)
    {
        var hidden = (int)shape[^1];
        var data = new TestData(31);
        var x = Stored(xType, data.Normal(Count(shape), 3.0));
        var w = Stored(wType, data.Uniform(hidden, 0.5f, 1.5f));
        using var tx = Upload(xType, x, shape);
        using var tw = Upload(wType, w, hidden);
        using var ty = QrtTensor.Empty(yType, shape);

        Qrt.Runtime.Ops.RmsNorm(Stream, tx, tw, 1e-6f, ty);

        Tolerance.AssertClose(Read(ty), Reference(x, w, 1e-6f, xType), 0, Rtol(hidden, xType, yType), $"{xType} x, {wType} w -> {yType}");
    }

    [TestCase(0f)]
    [TestCase(1e-5f)]
    [TestCase(0.5f)]
    public void RmsNorm_AddsEpsToTheMeanSquare(float eps)
    {
        const int Hidden = 33;
        var x = new TestData(32).Normal(3 * Hidden, 0.3);
        var w = new TestData(33).Uniform(Hidden, -2f, 2f);
        using var tx = Upload(DType.F32, x, 3, Hidden);
        using var tw = Upload(DType.F32, w, Hidden);
        using var ty = QrtTensor.Empty(DType.F32, [3, Hidden]);

        Qrt.Runtime.Ops.RmsNorm(Stream, tx, tw, eps, ty);

        Tolerance.AssertClose(Read(ty), Reference(x, w, eps, DType.F32), 0, Rtol(Hidden, DType.F32, DType.F32), $"eps {eps}");
    }

    [Test]
    public void RmsNorm_RoundsTheNormalizedRowToXsDType_BeforeTheWeight()
    {
        const int Hidden = 127;
        var x = Stored(DType.BF16, new TestData(34).Normal(5 * Hidden));
        var w = Enumerable.Range(0, Hidden).Select(i => MathF.Pow(2, (i % 5) - 2)).ToArray();
        using var tx = Upload(DType.BF16, x, 5, Hidden);
        using var tw = Upload(DType.F32, w, Hidden);
        using var ty = QrtTensor.Empty(DType.F32, [5, Hidden]);

        Qrt.Runtime.Ops.RmsNorm(Stream, tx, tw, 1e-6f, ty);

        var actual = Read(ty);
        // Power-of-two weights scale a BF16 value exactly, so only transformers' order (round v to BF16, then
        // multiply) leaves every F32 output on the BF16 grid; multiplying first would leave most of them off it.
        var offGrid = actual.Count(v => NumberFormats.RoundToBf16(v) != v);
        Assert.That(offGrid, Is.Zero, "outputs that are not a BF16 value times a power of two");
        Tolerance.AssertClose(actual, Reference(x, w, 1e-6f, DType.BF16), 0, Rtol(Hidden, DType.BF16, DType.F32), "values");
    }

    [TestCase(DType.F32)]
    [TestCase(DType.BF16)]
    public void RmsNorm_WorksInPlace_WhenYIsX(DType dtype)
    {
        const int Hidden = 17;
        var x = Stored(dtype, new TestData(35).Normal(7 * Hidden));
        var w = new TestData(36).Uniform(Hidden);
        using var tx = Upload(dtype, x, 7, Hidden);
        using var tw = Upload(DType.F32, w, Hidden);

        Qrt.Runtime.Ops.RmsNorm(Stream, tx, tw, 1e-6f, tx);

        Tolerance.AssertClose(Read(tx), Reference(x, w, 1e-6f, dtype), 0, Rtol(Hidden, dtype, dtype), "x after y = x");
    }

    [Test]
    public void RmsNorm_ReadsRowsOfAWiderTensor()
    {
        const int Rows = 3, Hidden = 17, Width = 40;
        var wide = new TestData(37).Normal(Rows * Width);
        var w = new TestData(38).Uniform(Hidden);
        using var tWide = Upload(DType.F32, wide, Rows, Width);
        using var tx = tWide.Slice(1, 5, Hidden);
        using var tw = Upload(DType.F32, w, Hidden);
        using var ty = QrtTensor.Empty(DType.F32, [Rows, Hidden]);

        Qrt.Runtime.Ops.RmsNorm(Stream, tx, tw, 1e-6f, ty);

        var x = Enumerable.Range(0, Rows * Hidden).Select(i => wide[((i / Hidden) * Width) + 5 + (i % Hidden)]).ToArray();
        Tolerance.AssertClose(Read(ty), Reference(x, w, 1e-6f, DType.F32), 0, Rtol(Hidden, DType.F32, DType.F32), "rows with stride 40");
    }

    [Test]
    public void RmsNorm_AcceptsTheArguments_ThatEachBadArgumentCaseChanges() =>
        Assert.That(() => Invoke(ValidArguments), Throws.Nothing);

    [TestCaseSource(nameof(BadArguments))]
    public void RmsNorm_Refuses(BadArgument<Call> bad)
    {
        AssertRejected(() => Invoke(bad.Change(ValidArguments)), "qrt_rms_norm", bad.Argument);

        AssertAValidRmsNormSucceeds();
    }

    [Test]
    public void RmsNorm_ThrowsObjectDisposed_ForADisposedTensor()
    {
        Assert.Throws<ObjectDisposedException>(() => Invoke(ValidArguments with { Weight = ValidArguments.Weight.Disposed() }));

        AssertAValidRmsNormSucceeds();
    }

    /// <summary>
    /// LlamaRMSNorm: v = x / sqrt(mean(x²) + eps) in double, rounded to x's dtype (F32 is the kernel's working
    /// precision, so there v stays exact), then y = w·v.
    /// </summary>
    internal static double[] Reference(float[] x, float[] w, float eps, DType activationDType)
    {
        var hidden = w.Length;
        var y = new double[x.Length];
        for (var row = 0; row < x.Length / hidden; row++)
        {
            double sumOfSquares = 0;
            for (var i = 0; i < hidden; i++)
            {
                sumOfSquares += (double)x[(row * hidden) + i] * x[(row * hidden) + i];
            }

            var inverseRms = 1.0 / Math.Sqrt((sumOfSquares / hidden) + eps);
            for (var i = 0; i < hidden; i++)
            {
                var v = x[(row * hidden) + i] * inverseRms;
                var stored = activationDType == DType.F32 ? v : NumberFormats.RoundTo(activationDType, (float)v);
                y[(row * hidden) + i] = w[i] * stored;
            }
        }

        return y;
    }

    internal static double Rtol(int hidden, DType activationDType, DType yType)
    {
        // v in FP32: the errors of the sum of H squares, the mean and +eps ((H + 2)·2^-24) halve under the square
        // root; the sqrt, the reciprocal and x·(1/rms) add one rounding each.
        var v = (((hidden + 2) / 2.0) + 3) * Fp32Unit;
        // v rounded to x's dtype may land one step from the reference's rounding; then the FP32 product with w.
        var product = v + IntermediateRounding(activationDType) + Fp32Unit;
        // The store to y's dtype rounds that product once more.
        return product + (StoreRounding(yType) * (1 + product));
    }

    private void AssertAValidRmsNormSucceeds()
    {
        using var x = Upload(DType.F32, [3f, -4f], 1, 2);
        using var w = Upload(DType.F32, [1f, 2f], 2);
        using var y = QrtTensor.Empty(DType.F32, [1, 2]);
        Qrt.Runtime.Ops.RmsNorm(Stream, x, w, 0f, y);
        // rms of (3, -4) is sqrt(12.5); FP32 gets within a few units of the last place.
        Tolerance.AssertClose(Read(y), [3 / Math.Sqrt(12.5), -8 / Math.Sqrt(12.5)], 0, 8 * Fp32Unit, "a valid rms_norm on the same stream after the failure");
    }

    private void Invoke(Call c)
    {
        using var tensors = new TensorScope();
        Qrt.Runtime.Ops.RmsNorm(Stream, tensors.Make(c.X), tensors.Make(c.Weight), c.Eps, tensors.Make(c.Y));
    }

    internal sealed record Call(TensorSpec X, TensorSpec Weight, float Eps, TensorSpec Y);
}
