using NUnit.Framework;
using Qrt.Runtime.Layers;
using Qrt.Runtime.Tests.Ops.Gemm;
using Qrt.Runtime.Tests.Support;

namespace Qrt.Runtime.Tests.Layers;

[TestFixture]
internal sealed class Fp8WeightOnlyLinearTests : CpuStreamFixture
{
    private const int In = 127;
    private const int Out = 17;
    private const int Rows = 3;

    public static IEnumerable<TestCaseData> Cases() =>
        from perChannel in new[] { false, true }
        from xType in new[] { DType.F32, DType.F16, DType.BF16 }
        from withBias in new[] { false, true }
        select new TestCaseData(perChannel, xType, withBias);

    [TestCaseSource(nameof(Cases))]
    public void Forward_MatchesReference_FromTheDecodedFp8Weight(bool perChannel, DType xType, bool withBias)
    {
        var data = new TestData(TensorCodec.Seed(perChannel ? 1 : 0, (int)xType, withBias ? 1 : 0, 11));
        var x = TensorCodec.Values(data, xType, Rows * In);
        var bias = withBias ? TensorCodec.Values(data, DType.BF16, Out) : null;
        var (weight, scale) = WeightQuantizer.QuantizeFp8(data.Normal(Out * In, 0.05), Out, In, perChannel);
        var w = ActivationQuantReference.Decode(weight.ToArray<byte>());
        var wScales = scale.ToArray<float>().AsDoubles();
        using var layer = new Fp8WeightOnlyLinear(weight, scale, bias is null ? null : TensorBits.Upload(DType.BF16, bias, Out));
        using var xt = TensorBits.Upload(xType, x, 1, Rows, In);
        using var y = QrtTensor.Empty(DType.F32, [1, Rows, Out]);

        layer.Forward(Stream, xt, y);

        var expected = GemmReference.Linear(x.AsDoubles(), w, Rows, Out, In, bias?.AsDoubles(), colScale: wScales);
        // FP32 accumulation over In products, then the weight scaling and the bias add.
        GemmReference.AssertMatches(y, expected, In, 2, "y");
    }

    [Test]
    public void Properties_DescribeTheQuantization()
    {
        var (weight, scale) = WeightQuantizer.QuantizeFp8(new float[Out * In], Out, In, perChannel: true);
        using var layer = new Fp8WeightOnlyLinear(weight, scale);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(layer.InFeatures, Is.EqualTo(In));
            Assert.That(layer.OutFeatures, Is.EqualTo(Out));
            Assert.That(layer.Scheme, Is.EqualTo("W8A16-FP8"));
        }
    }

    [Test]
    public void Dispose_FreesEveryWeightTensor()
    {
        var (weight, scale) = WeightQuantizer.QuantizeFp8(new float[Out * In], Out, In, perChannel: true);
        var bias = QrtTensor.Zeros(DType.F32, [Out]);
        var layer = new Fp8WeightOnlyLinear(weight, scale, bias);
        using var x = QrtTensor.Zeros(DType.F32, [1, In]);
        using var y = QrtTensor.Empty(DType.F32, [1, Out]);

        layer.Dispose();

        using (Assert.EnterMultipleScope())
        {
            Assert.Throws<ObjectDisposedException>(() => weight.ToArray<byte>());
            Assert.Throws<ObjectDisposedException>(() => scale.ToArray<float>());
            Assert.Throws<ObjectDisposedException>(() => bias.ToArray<float>());
            Assert.Throws<ObjectDisposedException>(() => layer.Forward(Stream, x, y));
        }
    }
}
