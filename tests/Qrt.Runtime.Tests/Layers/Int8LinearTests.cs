using NUnit.Framework;
using Qrt.Runtime.Layers;
using Qrt.Runtime.Tests.Ops.Gemm;
using Qrt.Runtime.Tests.Support;

namespace Qrt.Runtime.Tests.Layers;

[TestFixture]
internal sealed class Int8LinearTests : CpuStreamFixture
{
    private const int In = 127;
    private const int Out = 17;
    private const int Rows = 6;

    public static IEnumerable<TestCaseData> Dynamic() =>
        from xType in new[] { DType.F32, DType.BF16 }
        from yType in new[] { DType.F32, DType.BF16 }
        from withBias in new[] { false, true }
        select new TestCaseData(xType, yType, withBias);

    public static IEnumerable<TestCaseData> Static() =>
        from xType in new[] { DType.F32, DType.BF16 }
        from zeroPoint in new int?[] { null, 6, -20 }
        from withBias in new[] { false, true }
        select new TestCaseData(xType, zeroPoint, withBias);

    [TestCaseSource(nameof(Dynamic))]
    public void Forward_Dynamic_MatchesReference_WithEmulatedPerTokenQuantization(DType xType, DType yType, bool withBias)
    {
        var data = new TestData(TensorCodec.Seed((int)xType, (int)yType, withBias ? 1 : 0, 8));
        var x = TensorCodec.Values(data, xType, Rows * In, -3f, 3f);
        var bias = withBias ? TensorCodec.Values(data, DType.F32, Out) : null;
        var (weight, scale) = WeightQuantizer.QuantizeInt8PerChannel(data.Normal(Out * In, 0.05), Out, In);
        var codes = weight.ToArray<sbyte>();
        var scales = scale.ToArray<float>().AsDoubles();
        using var layer = new Int8Linear(weight, scale, bias: bias is null ? null : TensorBits.Upload(DType.F32, bias, Out));
        using var xt = TensorBits.Upload(xType, x, 2, 3, In);
        using var y = QrtTensor.Empty(yType, [2, 3, Out]);

        layer.Forward(Stream, xt, y);

        var (a, aScales) = ActivationQuantReference.Int8Dynamic(x, Rows, In);
        var expected = GemmReference.ScaledSums(
            GemmReference.ExactInt8Sums(a, codes, Rows, Out, In, 0), Rows, Out, aScales.AsDoubles(), scales, bias?.AsDoubles());
        // Exact integer sum; its conversion to FP32, the scale product, the scaling and the bias add round once each.
        GemmReference.AssertMatches(y, expected, 0, 3, "y");
    }

    [TestCaseSource(nameof(Static))]
    public void Forward_Static_MatchesReference_WithEmulatedPerTensorQuantization(DType xType, int? zeroPoint, bool withBias)
    {
        var data = new TestData(TensorCodec.Seed((int)xType, zeroPoint ?? 1000, withBias ? 1 : 0, 9));
        var x = TensorCodec.Values(data, xType, Rows * In, -3f, 3f);
        var bias = withBias ? TensorCodec.Values(data, DType.F32, Out) : null;
        const float inputScale = 0.025f;
        var (weight, scale) = WeightQuantizer.QuantizeInt8PerChannel(data.Normal(Out * In, 0.05), Out, In);
        var codes = weight.ToArray<sbyte>();
        var scales = scale.ToArray<float>().AsDoubles();
        using var layer = new Int8Linear(
            weight,
            scale,
            TensorBits.Upload(DType.F32, [inputScale], 1),
            zeroPoint is null ? null : QrtTensor.FromData<int>([zeroPoint.Value], DType.I32, [1]),
            bias is null ? null : TensorBits.Upload(DType.F32, bias, Out));
        using var xt = TensorBits.Upload(xType, x, Rows, In);
        using var y = QrtTensor.Empty(DType.F32, [Rows, Out]);

        layer.Forward(Stream, xt, y);

        var a = ActivationQuantReference.Int8Static(x, inputScale, zeroPoint ?? 0);
        var expected = GemmReference.ScaledSums(
            GemmReference.ExactInt8Sums(a, codes, Rows, Out, In, zeroPoint ?? 0), Rows, Out, [inputScale], scales, bias?.AsDoubles());
        // Exact integer sum; its conversion to FP32, the scale product, the scaling and the bias add round once each.
        GemmReference.AssertMatches(y, expected, 0, 3, "y");
    }

    [TestCase(false, false, "W8A8-INT8 dynamic")]
    [TestCase(true, false, "W8A8-INT8 static")]
    [TestCase(true, true, "W8A8-INT8 static asym")]
    public void Properties_DescribeTheQuantization(bool staticScale, bool zeroPoint, string scheme)
    {
        var (weight, scale) = WeightQuantizer.QuantizeInt8PerChannel(new float[Out * In], Out, In);
        using var layer = new Int8Linear(
            weight,
            scale,
            staticScale ? TensorBits.Upload(DType.F32, [1f], 1) : null,
            zeroPoint ? QrtTensor.FromData<int>([3], DType.I32, [1]) : null);

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
        var (weight, scale) = WeightQuantizer.QuantizeInt8PerChannel(new float[Out * In], Out, In);
        var inputScale = TensorBits.Upload(DType.F32, [1f], 1);
        var zeroPoint = QrtTensor.FromData<int>([3], DType.I32, [1]);
        var bias = QrtTensor.Zeros(DType.F32, [Out]);
        var layer = new Int8Linear(weight, scale, inputScale, zeroPoint, bias);
        using var x = QrtTensor.Zeros(DType.F32, [1, In]);
        using var y = QrtTensor.Empty(DType.F32, [1, Out]);

        layer.Dispose();

        using (Assert.EnterMultipleScope())
        {
            Assert.Throws<ObjectDisposedException>(() => weight.ToArray<sbyte>());
            Assert.Throws<ObjectDisposedException>(() => scale.ToArray<float>());
            Assert.Throws<ObjectDisposedException>(() => inputScale.ToArray<float>());
            Assert.Throws<ObjectDisposedException>(() => zeroPoint.ToArray<int>());
            Assert.Throws<ObjectDisposedException>(() => bias.ToArray<float>());
            Assert.Throws<ObjectDisposedException>(() => layer.Forward(Stream, x, y));
        }
    }
}
