using Qrt.Runtime.Checkpoints;
using Qrt.Runtime.Quantization.Schemes;

namespace Qrt.Runtime.Tests.Quantization.Schemes;

/// <summary>The tensors each scheme expects for a linear of [out, in], written out by hand.</summary>
[TestFixture]
internal sealed class LinearTensorLayoutTests
{
    private static string Layout(LinearScheme scheme, long outFeatures, long inFeatures) =>
        string.Join("; ", LinearTensorLayout.Expected(scheme, outFeatures, inFeatures).Select(tensor => tensor.Describe()));

    [Test]
    public void Dense() => Assert.That(Layout(DenseScheme.Instance, 6, 10), Is.EqualTo("weight [6, 10] (F32, F16, BF16)"));

    [Test]
    public void PackedInt4_Group_Symmetric()
    {
        // 300 inputs: 38 words of 8 nibbles (ceil), 3 groups of 128 (ceil).
        Assert.That(Layout(new PackedIntScheme(4, 128, true, false), 16, 300), Is.EqualTo(
            "weight_packed [16, 38] (I32); weight_scale [16, 3] (F32, F16, BF16); weight_shape [2] (I32, I64)"));
    }

    [Test]
    public void PackedInt4_Asymmetric_ActOrder()
    {
        // Zero points pack 8 per word along the output dimension: ceil(20 / 8) = 3 rows; 256 / 32 = 8 groups.
        Assert.That(Layout(new PackedIntScheme(4, 32, false, true), 20, 256), Is.EqualTo(
            "weight_packed [20, 32] (I32); weight_scale [20, 8] (F32, F16, BF16); weight_shape [2] (I32, I64); " +
            "weight_zero_point [3, 8] (I32); weight_g_idx [256] (I32)"));
    }

    [Test]
    public void PackedInt8_Channel() =>
        Assert.That(Layout(new PackedIntScheme(8, 0, true, false), 4, 64), Is.EqualTo(
            "weight_packed [4, 16] (I32); weight_scale [4, 1] (F32, F16, BF16); weight_shape [2] (I32, I64)"));

    [Test]
    public void Int8()
    {
        Assert.That(Layout(new Int8Scheme(ScaleStrategy.Channel, ActivationScaling.DynamicPerToken, true), 8, 32), Is.EqualTo(
            "weight [8, 32] (I8); weight_scale [8, 1] (F32, F16, BF16)"));
        Assert.That(Layout(new Int8Scheme(ScaleStrategy.Tensor, ActivationScaling.StaticPerTensor, false), 8, 32), Is.EqualTo(
            "weight [8, 32] (I8); weight_scale [1] or [] (F32, F16, BF16); input_scale [1] or [] (F32, F16, BF16); input_zero_point [1] or [] (I8, I32)"));
    }

    [Test]
    public void Fp8()
    {
        Assert.That(Layout(new Fp8Scheme(ScaleStrategy.Tensor, ActivationScaling.StaticPerTensor), 8, 32), Is.EqualTo(
            "weight [8, 32] (F8_E4M3); weight_scale [1] or [] (F32, F16, BF16); input_scale [1] or [] (F32, F16, BF16)"));
        Assert.That(Layout(new Fp8Scheme(ScaleStrategy.Channel, ActivationScaling.DynamicPerToken), 8, 32), Is.EqualTo(
            "weight [8, 32] (F8_E4M3); weight_scale [8, 1] (F32, F16, BF16)"));
        Assert.That(Layout(new Fp8WeightOnlyScheme(ScaleStrategy.Tensor), 8, 32), Is.EqualTo(
            "weight [8, 32] (F8_E4M3); weight_scale [1] or [] (F32, F16, BF16)"));
    }

    [Test]
    public void Accepts_ChecksShapeAndType()
    {
        var scale = LinearTensorLayout.Expected(new Fp8WeightOnlyScheme(ScaleStrategy.Tensor), 8, 32)[1];
        Assert.That(scale.Accepts([], SafetensorsDType.F32), Is.True, "AutoFP8 stores a 0-d scalar");
        Assert.That(scale.Accepts([1], SafetensorsDType.BF16), Is.True);
        Assert.That(scale.Accepts([8, 1], SafetensorsDType.F32), Is.False);
        Assert.That(scale.Accepts([1], SafetensorsDType.I8), Is.False);
    }
}
