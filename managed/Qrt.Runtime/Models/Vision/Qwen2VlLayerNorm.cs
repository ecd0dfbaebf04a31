namespace Qrt.Runtime.Models.Vision;

/// <summary>
/// The weight and bias of one LayerNorm of the Qwen2-VL tower or merger, owned by this object.
/// </summary>
internal sealed record Qwen2VlLayerNorm(QrtTensor Weight, QrtTensor Bias) : IDisposable
{
    /// <summary>y = LayerNorm(x) with the tower's epsilon; y may be x.</summary>
    public void Forward(QrtStream stream, QrtTensor x, QrtTensor y) => Ops.LayerNorm(stream, x, Weight, Bias, Qwen2VlVisionConfig.NormEps, y);

    public void Dispose()
    {
        Weight.Dispose();
        Bias.Dispose();
    }
}
