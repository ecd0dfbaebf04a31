using System.Globalization;

namespace Qrt.Runtime.Layers;

/// <summary>A weight-only integer layer (W4A16 / W8A16) in the compressed-tensors pack-quantized layout.</summary>
public sealed class PackedIntLinear(PackedIntWeight weight, long inFeatures, QrtTensor? bias = null) : ILinear
{
    /// <inheritdoc />
    public long InFeatures => inFeatures;

    /// <inheritdoc />
    public long OutFeatures => weight.OutFeatures;

    /// <inheritdoc />
    public string Scheme => string.Create(
        CultureInfo.InvariantCulture,
        $"W{weight.Bits}A16 {(weight.GroupSize == 0 ? "channel" : $"g{weight.GroupSize}")}{(weight.ZeroPoint is null ? string.Empty : " asym")}{(weight.GroupIndex is null ? string.Empty : " act-order")}");

    /// <inheritdoc />
    public void Forward(QrtStream stream, QrtTensor x, QrtTensor y) => Ops.GemmWna16(stream, x, weight, bias, y);

    /// <inheritdoc />
    public void Dispose()
    {
        weight.Dispose();
        bias?.Dispose();
    }
}
