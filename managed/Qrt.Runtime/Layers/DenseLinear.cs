namespace Qrt.Runtime.Layers;

/// <summary>An unquantized linear layer: weight [N, K] in F32, F16 or BF16.</summary>
public sealed class DenseLinear(QrtTensor weight, QrtTensor? bias = null) : ILinear
{
    /// <inheritdoc />
    public long InFeatures => weight.Size(1);

    /// <summary>W [N, K].</summary>
    internal QrtTensor Weight => weight;

    /// <summary>The bias [N], or null.</summary>
    internal QrtTensor? Bias => bias;

    /// <inheritdoc />
    public long OutFeatures => weight.Size(0);

    /// <inheritdoc />
    public string Scheme => weight.DType.ToString();

    /// <inheritdoc />
    public void Forward(QrtStream stream, QrtTensor x, QrtTensor y) => Ops.Gemm(stream, x, weight, bias, y);

    /// <inheritdoc />
    public void Dispose()
    {
        weight.Dispose();
        bias?.Dispose();
    }
}
