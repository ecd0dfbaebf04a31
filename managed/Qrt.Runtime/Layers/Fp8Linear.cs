namespace Qrt.Runtime.Layers;

/// <summary>
/// A W8A8 FP8 layer (compressed-tensors float-quantized or AutoFP8): weight F8E4M3 [N, K] with per-channel
/// or per-tensor scales; activations quantized to FP8 per token (dynamic) or with a static per-tensor scale.
/// </summary>
public sealed class Fp8Linear(QrtTensor weight, QrtTensor weightScale, QrtTensor? inputScale = null, QrtTensor? bias = null) : ILinear
{
    /// <inheritdoc />
    public long InFeatures => weight.Size(1);

    /// <summary>W F8E4M3 [N, K].</summary>
    internal QrtTensor Weight => weight;

    /// <summary>Per-tensor or per-channel weight scales.</summary>
    internal QrtTensor WeightScale => weightScale;

    /// <summary>The static activation scale (one element), or null for dynamic per-token quantization.</summary>
    internal QrtTensor? InputScale => inputScale;

    /// <summary>The bias [N], or null.</summary>
    internal QrtTensor? Bias => bias;

    /// <inheritdoc />
    public long OutFeatures => weight.Size(0);

    /// <inheritdoc />
    public string Scheme => inputScale is null ? "W8A8-FP8 dynamic" : "W8A8-FP8 static";

    /// <inheritdoc />
    public void Forward(QrtStream stream, QrtTensor x, QrtTensor y)
    {
        var activations = new ActivationQuantization(stream, x, DType.F8E4M3, dynamic: inputScale is null);
        Ops.QuantizeFp8(stream, x, inputScale, activations.Codes, activations.RowScales);
        Ops.GemmW8A8Fp8(stream, activations.Codes, activations.RowScales ?? inputScale!, weight, weightScale, bias, y);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        weight.Dispose();
        weightScale.Dispose();
        inputScale?.Dispose();
        bias?.Dispose();
    }
}
