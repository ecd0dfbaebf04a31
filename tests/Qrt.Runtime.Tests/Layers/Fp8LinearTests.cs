using NUnit.Framework;
using Qrt.Runtime.Layers;
using Qrt.Runtime.Tests.Ops.Gemm;
using Qrt.Runtime.Tests.Support;

namespace Qrt.Runtime.Tests.Layers;

[TestFixture]
internal sealed class Fp8LinearTests : CpuStreamFixture
{
    private const int In = 96;
    private const int Out = 33;
    private const int Rows = 7;

    public static IEnumerable<TestCaseData> Cases() =>
        from staticInput in new[] { false, true }
        from perChannel in new[] { false, true }
        from xType in new[] { DType.F32, DType.BF16 }
        from withBias in new[] { false, true }
        select new TestCaseData(staticInput, perChannel, xType, withBias);

    [TestCaseSource(nameof(Cases))]
    public void Forward_MatchesReference_WithEmulatedActivationQuantization(bool staticInput, bool perChannel, DType xType, bool withBias)
    {
        var data = new TestData(TensorCodec.Seed(staticInput ? 1 : 0, perChannel ? 1 : 0, (int)xType, withBias ? 1 : 0, 10));
        var x = TensorCodec.Values(data, xType, Rows * In, -3f, 3f);
        var bias = withBias ? TensorCodec.Values(data, DType.F32, Out) : null;
        const float inputScale = 0.0075f;
        var (weight, scale) = WeightQuantizer.QuantizeFp8(data.Normal(Out * In, 0.05), Out, In, perChannel);
        var w = ActivationQuantReference.Decode(weight.ToArray<byte>());
        var wScales = scale.ToArray<float>().AsDoubles();
        using var layer = new Fp8Linear(
            weight, scale, staticInput ? TensorBits.Upload(DType.F32, [inputScale], 1) : null, bias is null ? null : TensorBits.Upload(DType.F32, bias, Out));
        using var xt = TensorBits.Upload(xType, x, Rows, In);
        using var y = QrtTensor.Empty(DType.BF16, [Rows, Out]);

        layer.Forward(Stream, xt, y);

        var (codes, rowScales) = staticInput
            ? (ActivationQuantReference.Fp8Static(x, inputScale), [inputScale])
            : ActivationQuantReference.Fp8Dynamic(x, Rows, In);
        var expected = GemmReference.Linear(
            ActivationQuantReference.Decode(codes), w, Rows, Out, In, bias?.AsDoubles(), rowScales.AsDoubles(), wScales);
        // FP32 accumulation of exact FP8 products over In, the scale product, the scaling and the bias add, then BF16.
        GemmReference.AssertMatches(y, expected, In, 3, "y");
    }

    [TestCase(false, "W8A8-FP8 dynamic")]
    [TestCase(true, "W8A8-FP8 static")]
    public void Properties_DescribeTheQuantization(bool staticInput, string scheme)
    {
        var (weight, scale) = WeightQuantizer.QuantizeFp8(new float[Out * In], Out, In, perChannel: true);
        using var layer = new Fp8Linear(weight, scale, staticInput ? TensorBits.Upload(DType.F32, [1f], 1) : null);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(layer.InFeatures, Is.EqualTo(In));
            Assert.That(layer.OutFeatures, Is.EqualTo(Out));
            Assert.That(layer.Scheme, Is.EqualTo(scheme));
        }
    }

    [Test]
    public void Dispose_FreesEveryWeightTensor()
    {
        var (weight, scale) = WeightQuantizer.QuantizeFp8(new float[Out * In], Out, In, perChannel: false);
        var inputScale = TensorBits.Upload(DType.F32, [1f], 1);
        var bias = QrtTensor.Zeros(DType.F32, [Out]);
        var layer = new Fp8Linear(weight, scale, inputScale, bias);
        using var x = QrtTensor.Zeros(DType.F32, [1, In]);
        using var y = QrtTensor.Empty(DType.F32, [1, Out]);

        layer.Dispose();

        using (Assert.EnterMultipleScope())
        {
            Assert.Throws<ObjectDisposedException>(() => weight.ToArray<byte>());
            Assert.Throws<ObjectDisposedException>(() => scale.ToArray<float>());
            Assert.Throws<ObjectDisposedException>(() => inputScale.ToArray<float>());
            Assert.Throws<ObjectDisposedException>(() => bias.ToArray<float>());
            Assert.Throws<ObjectDisposedException>(() => layer.Forward(Stream, x, y));
        }
    }
}
