using NUnit.Framework;
using Qrt.Runtime.Tests.Support;
using static Qrt.Runtime.Tests.Support.TensorSpec;

namespace Qrt.Runtime.Tests.Ops.Gemm;

[TestFixture]
internal sealed class QuantizeFp8Tests : CpuStreamFixture
{
    private const string Op = "qrt_quantize_fp8";

    private static readonly Call ValidArguments = new(
        X: Zeros(DType.F32, 2, 4),
        StaticScale: null,
        Q: Zeros(DType.F8E4M3, 2, 4),
        ScaleOut: Zeros(DType.F32, 2));

    public static IEnumerable<TestCaseData> DynamicCases() =>
        from xType in new[] { DType.F32, DType.F16, DType.BF16 }
        from shape in new[] { (M: 1, K: 1), (M: 3, K: 17), (M: 7, K: 127), (M: 33, K: 96) }
        select new TestCaseData(xType, shape.M, shape.K);

    public static IEnumerable<TestCaseData> StaticCases() =>
        from xType in new[] { DType.F32, DType.F16, DType.BF16 }
        from scaleType in new[] { DType.F32, DType.F16, DType.BF16 }
        select new TestCaseData(xType, scaleType);

    public static IEnumerable<TestCaseData> BadArguments() => BadArgument.Cases<Call>(
        new("int8 codes", c => c with { Q = Zeros(DType.I8, 2, 4) }, "q"),
        new("integer activations", c => c with { X = Zeros(DType.I32, 2, 4) }, "x"),
        new("codes of another shape", c => c with { Q = Zeros(DType.F8E4M3, 3, 4) }, "q"),
        new("a bf16 scale output", c => c with { ScaleOut = Zeros(DType.BF16, 2) }, "scale_out"),
        new("a static scale of two elements", c => WithStaticScale(c, Zeros(DType.F32, 1, 2)), "static_scale"),
        new("a scale output with a static scale", c => c with { StaticScale = Values(DType.F32, [1f], 1) }, "scale_out"));

    [TestCaseSource(nameof(DynamicCases))]
    public void QuantizeFp8_Dynamic_MatchesReferenceCodesAndScales(DType xType, int m, int k)
    {
        var x = TestData.RoundedTo(xType, new TestData(TensorCodec.Seed((int)xType, m, k, 8)).Normal(m * k, 3));
        using var xt = TensorBits.Upload(xType, x, m, k);
        using var q = QrtTensor.Empty(DType.F8E4M3, [m, k]);
        using var scales = QrtTensor.Empty(DType.F32, [m]);

        Qrt.Runtime.Ops.QuantizeFp8(Stream, xt, null, q, scales);

        var (codes, expectedScales) = ActivationQuantReference.Fp8Dynamic(x, m, k);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(scales.ToArray<float>(), Is.EqualTo(expectedScales), "scale_out");
            Assert.That(q.ToArray<byte>(), Is.EqualTo(codes), "q");
        }
    }

    [Test]
    public void QuantizeFp8_Dynamic_GivesZeroScaleAndCodes_ForARowOfZeros()
    {
        var x = new float[] { 0, 0, 0, 448, -224, 1, 0, -0f, 0 };
        using var xt = TensorBits.Upload(DType.F32, x, 3, 3);
        using var q = QrtTensor.Empty(DType.F8E4M3, [3, 3]);
        using var scales = QrtTensor.Empty(DType.F32, [3]);

        Qrt.Runtime.Ops.QuantizeFp8(Stream, xt, null, q, scales);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(scales.ToArray<float>(), Is.EqualTo(new[] { 0f, 1f, 0f }), "scale_out");
            Assert.That(q.ToArray<byte>().Select(code => code & 0x7F), Is.EqualTo(new[] { 0, 0, 0, 0x7E, 0x76, 0x38, 0, 0, 0 }), "q magnitudes");
            Assert.That(q.ToArray<byte>()[4], Is.EqualTo(0xF6), "q[4] is negative");
        }
    }

    [Test]
    public void QuantizeFp8_Static_RoundsTiesToEvenAndSaturates()
    {
        // Scale 1: ties between neighbouring codes (normal and subnormal, where -2^-10 rounds to -0), and values beyond ±448.
        var x = new float[] { 1.0625f, 1.1875f, -1.0625f, 17, 19, 464, 1000, -1000, MathF.Pow(2, -10), 3 * MathF.Pow(2, -10), -MathF.Pow(2, -10), 0, -0f };
        using var xt = TensorBits.Upload(DType.F32, x, 1, x.Length);
        using var scale = TensorBits.Upload(DType.F32, [1f], 1);
        using var q = QrtTensor.Empty(DType.F8E4M3, [1, x.Length]);

        Qrt.Runtime.Ops.QuantizeFp8(Stream, xt, scale, q, null);

        var expected = new byte[] { 0x38, 0x3A, 0xB8, 0x58, 0x5A, 0x7E, 0x7E, 0xFE, 0x00, 0x02, 0x80, 0x00, 0x80 };
        using (Assert.EnterMultipleScope())
        {
            Assert.That(q.ToArray<byte>(), Is.EqualTo(expected));
            Assert.That(ActivationQuantReference.Fp8Static(x, 1), Is.EqualTo(expected), "the reference agrees with the hand-worked codes");
        }
    }

    [TestCaseSource(nameof(StaticCases))]
    public void QuantizeFp8_Static_MatchesReferenceCodes(DType xType, DType scaleType)
    {
        const int m = 7, k = 33;
        var x = TestData.RoundedTo(xType, new TestData(TensorCodec.Seed((int)xType, (int)scaleType, 8)).Normal(m * k, 2));
        x[0] = 60000f;
        var scale = TestData.RoundedTo(scaleType, [0.0123f]);
        using var xt = TensorBits.Upload(xType, x, m, k);
        using var scaleTensor = TensorBits.Upload(scaleType, scale, 1);
        using var q = QrtTensor.Empty(DType.F8E4M3, [m, k]);

        Qrt.Runtime.Ops.QuantizeFp8(Stream, xt, scaleTensor, q, null);

        Assert.That(q.ToArray<byte>(), Is.EqualTo(ActivationQuantReference.Fp8Static(x, scale[0])));
    }

    [Test]
    public void QuantizeFp8_AcceptsTheArguments_ThatEachBadArgumentCaseChanges() =>
        Assert.That(() => Invoke(ValidArguments), Throws.Nothing);

    [TestCaseSource(nameof(BadArguments))]
    public void QuantizeFp8_Rejects(BadArgument<Call> bad) =>
        Rejection.AssertNamesArgument(() => Invoke(bad.Change(ValidArguments)), Op, bad.Argument, ValidCall);

    [Test]
    public void QuantizeFp8_ThrowsObjectDisposed_ForADisposedStaticScale() =>
        Rejection.AssertDisposed(() => Invoke(WithStaticScale(ValidArguments, Values(DType.F32, [1f], 1).Disposed())), ValidCall);

    private void ValidCall()
    {
        using var x = TensorBits.Upload(DType.F32, [448, -1, 0.5f], 1, 3);
        using var q = QrtTensor.Empty(DType.F8E4M3, [1, 3]);
        using var scales = QrtTensor.Empty(DType.F32, [1]);
        Qrt.Runtime.Ops.QuantizeFp8(Stream, x, null, q, scales);
        Assert.That(q.ToArray<byte>(), Is.EqualTo(new byte[] { 0x7E, 0xB8, 0x30 }));
    }

    // Static quantization takes the scale in place of writing one out.
    private static Call WithStaticScale(Call c, TensorSpec scale) => c with { StaticScale = scale, ScaleOut = null };

    private void Invoke(Call c)
    {
        using var tensors = new TensorScope();
        Qrt.Runtime.Ops.QuantizeFp8(Stream, tensors.Make(c.X), tensors.Make(c.StaticScale), tensors.Make(c.Q), tensors.Make(c.ScaleOut));
    }

    internal sealed record Call(TensorSpec X, TensorSpec? StaticScale, TensorSpec Q, TensorSpec? ScaleOut);
}
