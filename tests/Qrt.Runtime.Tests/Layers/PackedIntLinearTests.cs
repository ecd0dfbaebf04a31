using NUnit.Framework;
using Qrt.Runtime.Layers;
using Qrt.Runtime.Tests.Ops.Gemm;
using Qrt.Runtime.Tests.Support;

namespace Qrt.Runtime.Tests.Layers;

[TestFixture]
internal sealed class PackedIntLinearTests : CpuStreamFixture
{
    private const int In = 203;
    private const int Out = 13;

    public static IEnumerable<TestCaseData> Quantizations() =>
        from bits in new[] { 4, 8 }
        from groupSize in new[] { 0, 32, 128 }
        from symmetric in new[] { true, false }
        select new TestCaseData(bits, groupSize, symmetric);

    [TestCaseSource(nameof(Quantizations))]
    public void Forward_MatchesReference_FromTheDecodedQuantizedWeight(int bits, int groupSize, bool symmetric)
    {
        var data = new TestData(TensorCodec.Seed(bits, groupSize, symmetric ? 1 : 0, 3));
        var w = data.Normal(Out * In, 0.05);
        var x = TensorCodec.Values(data, DType.BF16, 5 * In);
        var bias = TensorCodec.Values(data, DType.F32, Out);
        var weight = WeightQuantizer.QuantizePacked(w, Out, In, bits, groupSize, symmetric);
        var decoded = PackedIntReference.Dequantize(
            weight.Packed.ToArray<int>(), TensorBits.Read(weight.Scale), weight.ZeroPoint?.ToArray<int>(), null, Out, In, bits, groupSize);
        using var layer = new PackedIntLinear(weight, In, TensorBits.Upload(DType.F32, bias, Out));
        using var xt = TensorBits.Upload(DType.BF16, x, 5, In);
        using var y = QrtTensor.Empty(DType.BF16, [5, Out]);

        layer.Forward(Stream, xt, y);

        var expected = GemmReference.Linear(x.AsDoubles(), decoded, 5, Out, In, bias.AsDoubles());
        // FP32 accumulation over In products, the FP32 dequantization of each weight and the bias add, then BF16 rounding.
        GemmReference.AssertMatches(y, expected, In, 2, "y");
    }

    [Test]
    public void Forward_MatchesReference_WithActivationOrder()
    {
        const int bits = 4, groupSize = 32, groups = (In + groupSize - 1) / groupSize;
        var data = new TestData(41);
        var q = data.Integers(Out * In, -8, 7);
        var scales = TensorCodec.Values(data, DType.F16, Out * groups, 0.01f, 0.02f);
        var gIdx = data.Permutation(In).Select(column => column / groupSize).ToArray();
        var x = TensorCodec.Values(data, DType.F32, 3 * In);
        var weight = new PackedIntWeight(
            QrtTensor.FromData<int>(PackedIntReference.PackAlongRows(q, Out, In, bits), DType.I32, [Out, PackedIntReference.WordCount(In, bits)]),
            TensorBits.Upload(DType.F16, scales, Out, groups),
            null,
            QrtTensor.FromData<int>(gIdx, DType.I32, [In]),
            bits,
            groupSize);
        var decoded = PackedIntReference.Dequantize(weight.Packed.ToArray<int>(), scales, null, gIdx, Out, In, bits, groupSize);
        using var layer = new PackedIntLinear(weight, In);
        using var xt = TensorBits.Upload(DType.F32, x, 3, In);
        using var y = QrtTensor.Empty(DType.F32, [3, Out]);

        layer.Forward(Stream, xt, y);

        // FP32 accumulation over In products and the FP32 dequantization of each weight.
        GemmReference.AssertMatches(y, GemmReference.Linear(x.AsDoubles(), decoded, 3, Out, In), In, 1, "y");
    }

    [TestCase(4, 128, true, false, "W4A16 g128")]
    [TestCase(8, 0, false, false, "W8A16 channel asym")]
    [TestCase(4, 32, true, true, "W4A16 g32 act-order")]
    [TestCase(4, 64, false, true, "W4A16 g64 asym act-order")]
    public void Properties_DescribeTheQuantization(int bits, int groupSize, bool symmetric, bool actOrder, string scheme)
    {
        var weight = WeightQuantizer.QuantizePacked(new float[Out * In], Out, In, bits, groupSize, symmetric);
        if (actOrder)
        {
            weight = weight with { GroupIndex = QrtTensor.FromData<int>(Enumerable.Range(0, In).Select(k => k / groupSize).ToArray(), DType.I32, [In]) };
        }

        using var layer = new PackedIntLinear(weight, In);

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
        var weight = WeightQuantizer.QuantizePacked(new TestData(5).Normal(Out * In), Out, In, 4, 32, symmetric: false);
        weight = weight with { GroupIndex = QrtTensor.FromData<int>(Enumerable.Range(0, In).Select(k => k / 32).ToArray(), DType.I32, [In]) };
        var bias = QrtTensor.Zeros(DType.F32, [Out]);
        var layer = new PackedIntLinear(weight, In, bias);
        using var x = QrtTensor.Zeros(DType.F32, [1, In]);
        using var y = QrtTensor.Empty(DType.F32, [1, Out]);

        layer.Dispose();

        using (Assert.EnterMultipleScope())
        {
            Assert.Throws<ObjectDisposedException>(() => weight.Packed.ToArray<int>());
            Assert.Throws<ObjectDisposedException>(() => weight.Scale.ToArray<float>());
            Assert.Throws<ObjectDisposedException>(() => weight.ZeroPoint!.ToArray<int>());
            Assert.Throws<ObjectDisposedException>(() => weight.GroupIndex!.ToArray<int>());
            Assert.Throws<ObjectDisposedException>(() => bias.ToArray<float>());
            Assert.Throws<ObjectDisposedException>(() => layer.Forward(Stream, x, y));
        }
    }
}
