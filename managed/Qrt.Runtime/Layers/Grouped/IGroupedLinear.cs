namespace Qrt.Runtime.Layers.Grouped;

/// <summary>
/// The same projection of every expert of a mixture, with the experts' weights stacked along a leading dimension E,
/// run in one launch over token rows sorted by expert (rows [offsets[e], offsets[e+1]) use expert e), as vLLM's fused
/// MoE does. Each expert computes exactly what its own <see cref="ILinear"/> would on those rows.
/// </summary>
internal interface IGroupedLinear : IDisposable
{
    /// <summary>Input features (K).</summary>
    long InFeatures { get; }

    /// <summary>Output features (N).</summary>
    long OutFeatures { get; }

    /// <summary>Each expert's scheme, as its <see cref="ILinear.Scheme"/> says.</summary>
    string Scheme { get; }

    /// <summary>y [R, N] from x [R, K] sorted by expert; <paramref name="expertOffsets"/> I32 [E + 1] in device memory.</summary>
    void Forward(QrtStream stream, QrtTensor x, QrtTensor expertOffsets, QrtTensor y);
}
