namespace Qrt.Runtime.Layers;

/// <summary>
/// A W8A8 INT8 layer: weight I8 [N, K] with per-channel or per-tensor scales; activations quantized per token
/// at run time (dynamic) or with a static per-tensor scale and optional zero point from the checkpoint.
/// </summary>
public sealed class Int8Linear(
    QrtTensor weight, QrtTensor weightScale, QrtTensor? inputScale = null, QrtTensor? inputZeroPoint = null, QrtTensor? bias = null) : ILinear
{
    /// <inheritdoc />
    public long InFeatures => weight.Size(1);

    /// <summary>W I8 [N, K].</summary>
    internal QrtTensor Weight => weight;

    /// <summary>Per-tensor or per-channel weight scales.</summary>
    internal QrtTensor WeightScale => weightScale;

    /// <summary>The static activation scale (one element), or null for dynamic per-token quantization.</summary>
    internal QrtTensor? InputScale => inputScale;

    /// <summary>The static activation zero point (one element), or null.</summary>
    internal QrtTensor? InputZeroPoint => inputZeroPoint;

    /// <summary>The bias [N], or null.</summary>
    internal QrtTensor? Bias => bias;

    /// <inheritdoc />
    public long OutFeatures => weight.Size(0);

    /// <inheritdoc />
    public string Scheme => inputScale is null ? "W8A8-INT8 dynamic" : inputZeroPoint is null ? "W8A8-INT8 static" : "W8A8-INT8 static asym";

    /// <inheritdoc />
    public void Forward(QrtStream stream, QrtTensor x, QrtTensor y)
    {
        var activations = new ActivationQuantization(stream, x, DType.I8, dynamic: inputScale is null);
        Ops.QuantizeInt8(stream, x, inputScale, inputZeroPoint, activations.Codes, activations.RowScales);
        Ops.GemmW8A8Int8(stream, activations.Codes, activations.RowScales ?? inputScale!, inputZeroPoint, weight, weightScale, bias, y);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        weight.Dispose();
        weightScale.Dispose();
        inputScale?.Dispose();
        inputZeroPoint?.Dispose();
        bias?.Dispose();
    }
}
