namespace Qrt.Runtime.Layers;

/// <summary>
/// A linear layer y = x·Wᵀ (+ bias) whose weight is stored in one quantization scheme. x is [..., In] and
/// y is [..., Out] on the stream's device. The layer owns its weight tensors.
/// </summary>
public interface ILinear : IDisposable
{
    /// <summary>Input features (K).</summary>
    long InFeatures { get; }

    /// <summary>Output features (N).</summary>
    long OutFeatures { get; }

    /// <summary>A short name of the scheme, e.g. "W4A16 g128" or "W8A8-INT8 dynamic".</summary>
    string Scheme { get; }

    /// <summary>Computes y from x on the stream.</summary>
    void Forward(QrtStream stream, QrtTensor x, QrtTensor y);
}
