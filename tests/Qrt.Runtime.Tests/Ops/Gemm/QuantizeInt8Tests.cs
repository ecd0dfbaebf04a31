using NUnit.Framework;
using Qrt.Runtime.Tests.Support;
using static Qrt.Runtime.Tests.Support.TensorSpec;

namespace Qrt.Runtime.Tests.Ops.Gemm;

[TestFixture]
internal sealed class QuantizeInt8Tests : CpuStreamFixture
{
    private const string Op = "qrt_quantize_int8";

    private static readonly Call ValidArguments = new(
        X: Zeros(DType.F32, 2, 4),
        StaticScale: null,
        StaticZeroPoint: null,
        Q: Zeros(DType.I8, 2, 4),
        ScaleOut: Zeros(DType.F32, 2));

    public static IEnumerable<TestCaseData> DynamicCases() =>
        from xType in new[] { DType.F32, DType.F16, DType.BF16 }
        from shape in new[] { (M: 1, K: 1), (M: 3, K: 17), (M: 7, K: 127), (M: 33, K: 96) }
        select new TestCaseData(xType, shape.M, shape.K);

    public static IEnumerable<TestCaseData> StaticCases() =>
        from xType in new[] { DType.F32, DType.BF16 }
        from scaleType in new[] { DType.F32, DType.F16, DType.BF16 }
        from zeroPoint in new int?[] { null, 0, 9, -100 }
        select new TestCaseData(xType, scaleType, zeroPoint);

    public static IEnumerable<TestCaseData> BadArguments() => BadArgument.Cases<Call>(
        new("float codes", c => c with { Q = Zeros(DType.F32, 2, 4) }, "q"),
        new("integer activations", c => c with { X = Zeros(DType.I8, 2, 4) }, "x"),
        new("codes of another shape", c => c with { Q = Zeros(DType.I8, 2, 5) }, "q"),
        new("a scale output of the wrong count", c => c with { ScaleOut = Zeros(DType.F32, 3) }, "scale_out"),
        new("a static scale of two elements", c => WithStaticScale(c, Zeros(DType.F32, 2)), "static_scale"),
        new("a scale output with a static scale", c => c with { StaticScale = Values(DType.F32, [1f], 1) }, "scale_out"),
        new("a zero point without a static scale", c => c with { StaticZeroPoint = Values([1], 1) }, "static_zero_point"),
        new("a float zero point", c => WithStaticScale(c, Values(DType.F32, [1f], 1)) with { StaticZeroPoint = Zeros(DType.F32, 1) }, "static_zero_point"));

    [TestCaseSource(nameof(DynamicCases))]
    public void QuantizeInt8_Dynamic_MatchesReferenceCodesAndScales(DType xType, int m, int k)
    {
        var x = TestData.RoundedTo(xType, new TestData(TensorCodec.Seed((int)xType, m, k)).Normal(m * k, 3));
        using var xt = TensorBits.Upload(xType, x, m, k);
        using var q = QrtTensor.Empty(DType.I8, [m, k]);
        using var scales = QrtTensor.Empty(DType.F32, [m]);

        Qrt.Runtime.Ops.QuantizeInt8(Stream, xt, null, null, q, scales);

        var (codes, expectedScales) = ActivationQuantReference.Int8Dynamic(x, m, k);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(scales.ToArray<float>(), Is.EqualTo(expectedScales), "scale_out");
            Assert.That(q.ToArray<sbyte>(), Is.EqualTo(codes), "q");
        }
    }

    [Test]
    public void QuantizeInt8_Dynamic_GivesZeroScaleAndCodes_ForARowOfZeros()
    {
        var x = new float[] { 0, 0, 0, 0, 1, -127, 31, 0, -0f, 0, -0f, 0 };
        using var xt = TensorBits.Upload(DType.F32, x, 3, 4);
        using var q = QrtTensor.Empty(DType.I8, [3, 4]);
        using var scales = QrtTensor.Empty(DType.F32, [3]);

        Qrt.Runtime.Ops.QuantizeInt8(Stream, xt, null, null, q, scales);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(scales.ToArray<float>(), Is.EqualTo(new[] { 0f, 1f, 0f }), "scale_out");
            Assert.That(q.ToArray<sbyte>(), Is.EqualTo(new sbyte[] { 0, 0, 0, 0, 1, -127, 31, 0, 0, 0, 0, 0 }), "q");
        }
    }

    [Test]
    public void QuantizeInt8_Dynamic_RoundsExactTiesToEven()
    {
        // max|x| = 127 makes the scale exactly 1, so every quotient below is an exact tie.
        var x = new float[] { 127, 0.5f, -0.5f, 1.5f, -1.5f, 2.5f, -2.5f, 3.5f, 126.5f, -126.5f };
        using var xt = TensorBits.Upload(DType.F32, x, 1, x.Length);
        using var q = QrtTensor.Empty(DType.I8, [1, x.Length]);
        using var scales = QrtTensor.Empty(DType.F32, [1]);

        Qrt.Runtime.Ops.QuantizeInt8(Stream, xt, null, null, q, scales);

        Assert.That(q.ToArray<sbyte>(), Is.EqualTo(new sbyte[] { 127, 0, 0, 2, -2, 2, -2, 4, 126, -126 }));
    }

    [TestCaseSource(nameof(StaticCases))]
    public void QuantizeInt8_Static_MatchesReferenceCodes_WithSaturation(DType xType, DType scaleType, int? zeroPoint)
    {
        const int m = 7, k = 33;
        var x = TestData.RoundedTo(xType, new TestData(TensorCodec.Seed((int)xType, (int)scaleType, zeroPoint ?? 1000)).Normal(m * k, 2));
        x[0] = 1e6f;
        x[1] = -1e6f;
        var scale = TestData.RoundedTo(scaleType, [0.0123f]);
        using var xt = TensorBits.Upload(xType, x, m, k);
        using var scaleTensor = TensorBits.Upload(scaleType, scale, 1);
        using var zeroTensor = zeroPoint is null ? null : QrtTensor.FromData<int>([zeroPoint.Value], DType.I32, [1]);
        using var q = QrtTensor.Empty(DType.I8, [m, k]);

        Qrt.Runtime.Ops.QuantizeInt8(Stream, xt, scaleTensor, zeroTensor, q, null);

        var codes = ActivationQuantReference.Int8Static(x, scale[0], zeroPoint ?? 0);
        Assert.That(q.ToArray<sbyte>(), Is.EqualTo(codes));
        Assert.That(codes, Has.Some.EqualTo((sbyte)127).And.Some.EqualTo((sbyte)-128), "the data must reach both saturation limits");
    }

    [Test]
    public void QuantizeInt8_Static_AddsTheZeroPointAfterRounding()
    {
        // x / 0.5 = 2.5 rounds to 2, then + 3 = 5; rounding after adding would give round(5.5) = 6.
        var x = new float[] { 1.25f, -1.25f, 0.75f, 100f, -100f };
        using var xt = TensorBits.Upload(DType.F32, x, 1, 5);
        using var scale = TensorBits.Upload(DType.F32, [0.5f], 1);
        using var zero = QrtTensor.FromData<int>([3], DType.I32, [1]);
        using var q = QrtTensor.Empty(DType.I8, [1, 5]);

        Qrt.Runtime.Ops.QuantizeInt8(Stream, xt, scale, zero, q, null);

        Assert.That(q.ToArray<sbyte>(), Is.EqualTo(new sbyte[] { 5, 1, 5, 127, -128 }));
    }

    [Test]
    public void QuantizeInt8_AcceptsTheArguments_ThatEachBadArgumentCaseChanges() =>
        Assert.That(() => Invoke(ValidArguments), Throws.Nothing);

    [TestCaseSource(nameof(BadArguments))]
    public void QuantizeInt8_Rejects(BadArgument<Call> bad) =>
        Rejection.AssertNamesArgument(() => Invoke(bad.Change(ValidArguments)), Op, bad.Argument, ValidCall);

    [Test]
    public void QuantizeInt8_ThrowsObjectDisposed_ForDisposedCodes() =>
        Rejection.AssertDisposed(() => Invoke(ValidArguments with { Q = ValidArguments.Q.Disposed() }), ValidCall);

    private void ValidCall()
    {
        using var x = TensorBits.Upload(DType.F32, [127, -63.5f, 1], 1, 3);
        using var q = QrtTensor.Empty(DType.I8, [1, 3]);
        using var scales = QrtTensor.Empty(DType.F32, [1]);
        Qrt.Runtime.Ops.QuantizeInt8(Stream, x, null, null, q, scales);
        Assert.That(q.ToArray<sbyte>(), Is.EqualTo(new sbyte[] { 127, -64, 1 }));
    }

    // Static quantization takes the scale in place of writing one out.
    private static Call WithStaticScale(Call c, TensorSpec scale) => c with { StaticScale = scale, ScaleOut = null };

    private void Invoke(Call c)
    {
        using var tensors = new TensorScope();
        Qrt.Runtime.Ops.QuantizeInt8(
            Stream, tensors.Make(c.X), tensors.Make(c.StaticScale), tensors.Make(c.StaticZeroPoint), tensors.Make(c.Q), tensors.Make(c.ScaleOut));
    }

    internal sealed record Call(TensorSpec X, TensorSpec? StaticScale, TensorSpec? StaticZeroPoint, TensorSpec Q, TensorSpec? ScaleOut);
}
