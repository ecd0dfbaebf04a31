using Qrt.Runtime.Tests.Support;
using static Qrt.Runtime.Tests.Ops.Core.CoreTesting;
using static Qrt.Runtime.Tests.Support.Rejection;
using static Qrt.Runtime.Tests.Support.TensorBits;

namespace Qrt.Runtime.Tests.Ops.Core;

[TestFixture]
internal sealed class AddRmsNormTests : CpuStreamFixture
{
    private const float Eps = 1e-6f;

    public static IEnumerable<TestCaseData> Cases() =>
        from x in StorageFloatDTypes
        from residual in StorageFloatDTypes
        from y in StorageFloatDTypes
        from shape in new[] { Shape(1, 7), Shape(3, 17), Shape(2, 3, 33), Shape(5, 127) }
        select new TestCaseData(x, residual, y, shape);

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
    public void AddRmsNorm_RefusesAYThatOverlapsTheResidual()
    {
        using var x = QrtTensor.Zeros(DType.F32, [3, 7]);
        using var residual = QrtTensor.Zeros(DType.F32, [3, 7]);
        using var w = QrtTensor.Zeros(DType.F32, [7]);

        AssertRejected(() => Qrt.Runtime.Ops.AddRmsNorm(Stream, x, residual, w, Eps, residual), "qrt_add_rms_norm", "y");

        AssertAValidAddRmsNormSucceeds();
    }

    [Test]
    public void AddRmsNorm_RefusesWrongDTypes()
    {
        using var x = QrtTensor.Zeros(DType.F32, [3, 7]);
        using var residual = QrtTensor.Zeros(DType.F32, [3, 7]);
        using var ints = QrtTensor.Zeros(DType.I32, [3, 7]);
        using var w = QrtTensor.Zeros(DType.F32, [7]);
        using var y = QrtTensor.Zeros(DType.F32, [3, 7]);

        using (Assert.EnterMultipleScope())
        {
            AssertRejected(() => Qrt.Runtime.Ops.AddRmsNorm(Stream, ints, residual, w, Eps, y), "qrt_add_rms_norm", "x");
            AssertRejected(() => Qrt.Runtime.Ops.AddRmsNorm(Stream, x, ints, w, Eps, y), "qrt_add_rms_norm", "residual");
            AssertRejected(() => Qrt.Runtime.Ops.AddRmsNorm(Stream, x, residual, w, Eps, ints), "qrt_add_rms_norm", "y");
        }

        AssertAValidAddRmsNormSucceeds();
    }

    [Test]
    public void AddRmsNorm_RefusesMismatchedShapes()
    {
        using var x = QrtTensor.Zeros(DType.F32, [3, 7]);
        using var residual = QrtTensor.Zeros(DType.F32, [3, 7]);
        using var residual8 = QrtTensor.Zeros(DType.F32, [3, 8]);
        using var w = QrtTensor.Zeros(DType.F32, [7]);
        using var w8 = QrtTensor.Zeros(DType.F32, [8]);
        using var y4 = QrtTensor.Zeros(DType.F32, [4, 7]);

        using (Assert.EnterMultipleScope())
        {
            AssertRejected(() => Qrt.Runtime.Ops.AddRmsNorm(Stream, x, residual8, w, Eps, x), "qrt_add_rms_norm", "residual");
            AssertRejected(() => Qrt.Runtime.Ops.AddRmsNorm(Stream, x, residual, w8, Eps, x), "qrt_add_rms_norm", "weight");
            AssertRejected(() => Qrt.Runtime.Ops.AddRmsNorm(Stream, x, residual, w, Eps, y4), "qrt_add_rms_norm", "y");
            AssertRejected(() => Qrt.Runtime.Ops.AddRmsNorm(Stream, x, residual, w, float.PositiveInfinity, x), "qrt_add_rms_norm", "eps");
        }

        AssertAValidAddRmsNormSucceeds();
    }

    [Test]
    public void AddRmsNorm_ThrowsObjectDisposed_ForADisposedResidual()
    {
        using var x = QrtTensor.Zeros(DType.F32, [3, 7]);
        using var w = QrtTensor.Zeros(DType.F32, [7]);
        var residual = Disposed(DType.F32, 3, 7);

        Assert.Throws<ObjectDisposedException>(() => Qrt.Runtime.Ops.AddRmsNorm(Stream, x, residual, w, Eps, x));

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
}
