namespace Qrt.Runtime.Layers;

/// <summary>An FP8 weight-only layer (W8A16): weight F8E4M3 [N, K] with scales, activations unquantized.</summary>
public sealed class Fp8WeightOnlyLinear(QrtTensor weight, QrtTensor weightScale, QrtTensor? bias = null) : ILinear
{
    /// <inheritdoc />
    public long InFeatures => weight.Size(1);

    /// <inheritdoc />
    public long OutFeatures => weight.Size(0);

    /// <inheritdoc />
    public string Scheme => "W8A16-FP8";

    /// <inheritdoc />
    public void Forward(QrtStream stream, QrtTensor x, QrtTensor y) => Ops.GemmW8A16Fp8(stream, x, weight, weightScale, bias, y);

    /// <inheritdoc />
    public void Dispose()
    {
        weight.Dispose();
        weightScale.Dispose();
        bias?.Dispose();
    }
}
