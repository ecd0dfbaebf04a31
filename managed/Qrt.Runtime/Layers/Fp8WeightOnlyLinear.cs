namespace Qrt.Runtime.Layers;

/// <summary>An FP8 weight-only layer (W8A16): weight F8E4M3 [N, K] with scales, activations unquantized.</summary>
public sealed class Fp8WeightOnlyLinear(QrtTensor weight, QrtTensor weightScale, QrtTensor? bias = null) : ILinear
{
    /// <inheritdoc />
    public long InFeatures => weight.Size(1);

    /// <summary>W F8E4M3 [N, K].</summary>
    internal QrtTensor Weight => weight;

    /// <summary>Per-tensor or per-channel weight scales.</summary>
    internal QrtTensor WeightScale => weightScale;

    /// <summary>The bias [N], or null.</summary>
    internal QrtTensor? Bias => bias;

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
