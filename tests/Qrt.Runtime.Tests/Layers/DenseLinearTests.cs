using NUnit.Framework;
using Qrt.Runtime.Layers;
using Qrt.Runtime.Tests.Ops.Gemm;
using Qrt.Runtime.Tests.Support;

namespace Qrt.Runtime.Tests.Layers;

[TestFixture]
internal sealed class DenseLinearTests : CpuStreamFixture
{
    private const int In = 33;
    private const int Out = 17;

    [TestCase(DType.F32, DType.F32, false)]
    [TestCase(DType.BF16, DType.BF16, true)]
    [TestCase(DType.F16, DType.F32, true)]
    [TestCase(DType.BF16, DType.F32, false)]
    public void Forward_MatchesReference_OnRank3Activations(DType dtype, DType yType, bool withBias)
    {
        var data = new TestData(TensorCodec.Seed((int)dtype, (int)yType, withBias ? 1 : 0));
        var x = TensorCodec.Values(data, dtype, 2 * 3 * In);
        var w = TensorCodec.Values(data, dtype, Out * In);
        var bias = withBias ? TensorCodec.Values(data, dtype, Out) : null;
        using var layer = new DenseLinear(TensorBits.Upload(dtype, w, Out, In), bias is null ? null : TensorBits.Upload(dtype, bias, Out));
        using var xt = TensorBits.Upload(dtype, x, 2, 3, In);
        using var y = QrtTensor.Empty(yType, [2, 3, Out]);

        layer.Forward(Stream, xt, y);

        var expected = GemmReference.Linear(x.AsDoubles(), w.AsDoubles(), 6, Out, In, bias?.AsDoubles());
        // FP32 accumulation over In products and the bias add, then rounding to y's dtype.
        GemmReference.AssertMatches(y, expected, In, 1, "y");
    }

    [TestCase(DType.BF16, "BF16")]
    [TestCase(DType.F32, "F32")]
    [TestCase(DType.F16, "F16")]
    public void Properties_DescribeTheWeight(DType dtype, string scheme)
    {
        using var layer = new DenseLinear(QrtTensor.Zeros(dtype, [Out, In]));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(layer.InFeatures, Is.EqualTo(In));
            Assert.That(layer.OutFeatures, Is.EqualTo(Out));
            Assert.That(layer.Scheme, Is.EqualTo(scheme));
        }
    }

    [Test]
    public void Dispose_FreesTheWeightAndBias()
    {
        var weight = QrtTensor.Zeros(DType.BF16, [Out, In]);
        var bias = QrtTensor.Zeros(DType.BF16, [Out]);
        var layer = new DenseLinear(weight, bias);
        using var x = QrtTensor.Zeros(DType.BF16, [1, In]);
        using var y = QrtTensor.Empty(DType.F32, [1, Out]);

        layer.Dispose();

        using (Assert.EnterMultipleScope())
        {
            Assert.Throws<ObjectDisposedException>(() => weight.ToArray<ushort>());
            Assert.Throws<ObjectDisposedException>(() => bias.ToArray<ushort>());
            Assert.Throws<ObjectDisposedException>(() => layer.Forward(Stream, x, y));
        }
    }
}
