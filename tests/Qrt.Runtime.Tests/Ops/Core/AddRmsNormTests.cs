using Qrt.Runtime.Tests.Support;
using static Qrt.Runtime.Tests.Ops.Core.CoreTesting;
using static Qrt.Runtime.Tests.Support.Rejection;
using static Qrt.Runtime.Tests.Support.TensorBits;
using static Qrt.Runtime.Tests.Support.TensorSpec;

namespace Qrt.Runtime.Tests.Ops.Core;

[TestFixture]
internal sealed class AddRmsNormTests : CpuStreamFixture
{
    private const float Eps = 1e-6f;

    private static readonly Call ValidArguments = new(
        X: Zeros(DType.F32, 3, 7),
        Residual: Zeros(DType.F32, 3, 7),
        Weight: Zeros(DType.F32, 7),
        Eps,
        Y: Zeros(DType.F32, 3, 7));

    public static IEnumerable<TestCaseData> Cases() =>
        from x in StorageFloatDTypes
        from residual in StorageFloatDTypes
        from y in StorageFloatDTypes
        from shape in new[] { Shape(1, 7), Shape(3, 17), Shape(2, 3, 33), Shape(5, 127) }
        select new TestCaseData(x, residual, y, shape);

    public static IEnumerable<TestCaseData> BadArguments() => BadArgument.Cases<Call>(
        new("a y that is the residual", c => c with { YIsResidual = true }, "y"),
        new("an integer x", c => c with { X = Zeros(DType.I32, 3, 7) }, "x"),
        new("an integer residual", c => c with { Residual = Zeros(DType.I32, 3, 7) }, "residual"),
        new("an integer y", c => c with { Y = Zeros(DType.I32, 3, 7) }, "y"),
        new("a residual of another width", c => c with { Residual = Zeros(DType.F32, 3, 8) }, "residual"),
        new("a weight of another width", c => c with { Weight = Zeros(DType.F32, 8) }, "weight"),
        new("a y of other rows", c => c with { Y = Zeros(DType.F32, 4, 7) }, "y"),
        new("an infinite eps", c => c with { Eps = float.PositiveInfinity }, "eps"));

    [TestCaseSource(nameof(Cases))]
    public void AddRmsNorm_UpdatesTheResidual_AndNormalizesIt(DType xType, DType residualType, DType yType, long[] shape)
    {
        var hidden = (int)shape[^1];
        var data = new TestData(41);
        var x = Stored(xType, data.Normal(Count(shape)));
        var residual = Stored(residualType, data.Normal(Count(shape), 2.0));
        var w = Stored(residualType, data.Uniform(hidden, 0.5f, 1.5f));
        using var tx = Upload(xType, x, shape);
        using var tr = Upload(residualType, residual, shape);
        using var tw = Upload(residualType, w, hidden);
        using var ty = QrtTensor.Empty(yType, shape);

        Qrt.Runtime.Ops.AddRmsNorm(Stream, tx, tr, tw, Eps, ty);

        var updated = Read(tr);
        using (Assert.EnterMultipleScope())
        {
            // One FP32 addition, then the store to residual's dtype.
            Tolerance.AssertClose(updated, Sum(x, residual), 0, Fp32Unit + (StoreRounding(residualType) * (1 + Fp32Unit)), "residual after += x");
            Tolerance.AssertClose(Read(ty), RmsNormTests.Reference(updated, w, Eps, residualType), 0, RmsNormTests.Rtol(hidden, residualType, yType), "y = rms_norm(residual)");
        }
    }

    [TestCase(DType.F32)]
    [TestCase(DType.BF16)]
    public void AddRmsNorm_WritesYOverX_WhenYIsX(DType dtype)
    {
        const int Hidden = 33;
        var data = new TestData(42);
        var x = Stored(dtype, data.Normal(7 * Hidden));
        var residual = Stored(dtype, data.Normal(7 * Hidden));
        var w = Stored(dtype, data.Uniform(Hidden));
        using var tx = Upload(dtype, x, 7, Hidden);
        using var tr = Upload(dtype, residual, 7, Hidden);
        using var tw = Upload(dtype, w, Hidden);

        Qrt.Runtime.Ops.AddRmsNorm(Stream, tx, tr, tw, Eps, tx);

        var updated = Read(tr);
        using (Assert.EnterMultipleScope())
        {
            // One FP32 addition, then the store to residual's dtype.
            Tolerance.AssertClose(updated, Sum(x, residual), 0, Fp32Unit + (StoreRounding(dtype) * (1 + Fp32Unit)), "residual");
            Tolerance.AssertClose(Read(tx), RmsNormTests.Reference(updated, w, Eps, dtype), 0, RmsNormTests.Rtol(Hidden, dtype, dtype), "x holding y");
        }
    }

    [Test]
    public void AddRmsNorm_AcceptsTheArguments_ThatEachBadArgumentCaseChanges() =>
        Assert.That(() => Invoke(ValidArguments), Throws.Nothing);

    [TestCaseSource(nameof(BadArguments))]
    public void AddRmsNorm_Refuses(BadArgument<Call> bad)
    {
        AssertRejected(() => Invoke(bad.Change(ValidArguments)), "qrt_add_rms_norm", bad.Argument);

        AssertAValidAddRmsNormSucceeds();
    }

    [Test]
    public void AddRmsNorm_ThrowsObjectDisposed_ForADisposedResidual()
    {
        Assert.Throws<ObjectDisposedException>(() => Invoke(ValidArguments with { Residual = ValidArguments.Residual.Disposed() }));

        AssertAValidAddRmsNormSucceeds();
    }

    private static double[] Sum(float[] a, float[] b) => a.Zip(b, (p, q) => (double)p + q).ToArray();

    private void AssertAValidAddRmsNormSucceeds()
    {
        using var x = Upload(DType.F32, [1f, -1f], 1, 2);
        using var residual = Upload(DType.F32, [2f, -3f], 1, 2);
        using var w = Upload(DType.F32, [1f, 1f], 2);
        using var y = QrtTensor.Empty(DType.F32, [1, 2]);
        Qrt.Runtime.Ops.AddRmsNorm(Stream, x, residual, w, 0f, y);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Read(residual), Is.EqualTo(new[] { 3f, -4f }), "residual after a valid call on the same stream");
            // rms of (3, -4) is sqrt(12.5); FP32 gets within a few units of the last place.
            Tolerance.AssertClose(Read(y), [3 / Math.Sqrt(12.5), -4 / Math.Sqrt(12.5)], 0, 8 * Fp32Unit, "y after a valid call on the same stream");
        }
    }

    private void Invoke(Call c)
    {
        using var tensors = new TensorScope();
        var residual = tensors.Make(c.Residual);
        Qrt.Runtime.Ops.AddRmsNorm(Stream, tensors.Make(c.X), residual, tensors.Make(c.Weight), c.Eps, c.YIsResidual ? residual : tensors.Make(c.Y));
    }

    internal sealed record Call(TensorSpec X, TensorSpec Residual, TensorSpec Weight, float Eps, TensorSpec Y)
    {
        public bool YIsResidual { get; init; }
    }
}
