namespace Qrt.Runtime;

/// <summary>
/// An integer-quantized weight [N, K] in the compressed-tensors "pack-quantized" layout, as stored on disk
/// by llm-compressor (W4A16, W8A16): <c>weight_packed</c>, <c>weight_scale</c>, and optionally
/// <c>weight_zero_point</c> and <c>weight_g_idx</c>. The tensors are not owned: dispose them separately, or
/// call <see cref="Dispose"/> to dispose all four.
/// </summary>
/// <param name="Packed">I32 [N, ceil(K / (32 / Bits))]: values along K, lowest bits first, stored as q + 2^(Bits-1).</param>
/// <param name="Scale">F32/F16/BF16 [N, G]: one scale per output row and group (G = 1 when per channel).</param>
/// <param name="ZeroPoint">Null (symmetric), or I32 [ceil(N / (32 / Bits)), G] packed along N the same way.</param>
/// <param name="GroupIndex">Null, or I32 [K]: the group of each input column (activation order).</param>
/// <param name="Bits">4 or 8.</param>
/// <param name="GroupSize">Input columns per group, or 0 for one scale per output channel.</param>
public sealed record PackedIntWeight(
    QrtTensor Packed,
    QrtTensor Scale,
    QrtTensor? ZeroPoint,
    QrtTensor? GroupIndex,
    int Bits,
    long GroupSize) : IDisposable
{
    /// <summary>Output features (N).</summary>
    public long OutFeatures => Packed.Size(0);

    /// <summary>Disposes every tensor of the weight.</summary>
    public void Dispose()
    {
        Packed.Dispose();
        Scale.Dispose();
        ZeroPoint?.Dispose();
        GroupIndex?.Dispose();
    }
}
