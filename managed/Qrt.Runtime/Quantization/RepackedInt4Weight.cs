namespace Qrt.Runtime;

/// <summary>
/// A 4-bit weight in the tensor-core layout of the CUDA W4A16 kernel (qrt.h, "The repacked W4A16 layout"), made once
/// at load by <see cref="Repack"/>: the form a GPU layer keeps instead of the checkpoint's pack-quantized words.
/// </summary>
/// <param name="Weight">I32 [K / 16, 2N].</param>
/// <param name="Scale">[G, N] in the checkpoint scale's dtype.</param>
/// <param name="ZeroPoint">Null (symmetric), or I32 [G, N / 8].</param>
/// <param name="GroupSize">Input columns per group, or 0 for one scale per output channel.</param>
/// <param name="OutFeatures">N.</param>
internal sealed record RepackedInt4Weight(QrtTensor Weight, QrtTensor Scale, QrtTensor? ZeroPoint, long GroupSize, long OutFeatures)
    : IDisposable
{
    /// <summary>
    /// Repacks <paramref name="weight"/> (4-bit, no group index: sort activation-ordered columns first) on its own
    /// device and waits for it, so the caller may free the original at once. The weight is left as it was.
    /// </summary>
    public static RepackedInt4Weight Repack(PackedIntWeight weight, long inFeatures)
    {
        ArgumentNullException.ThrowIfNull(weight);
        var device = weight.Packed.Device;
        var n = weight.OutFeatures;
        var groups = weight.Scale.Size(-1);
        var repackedWeight = QrtTensor.Empty(DType.I32, [inFeatures / 16, 2 * n], device);
        QrtTensor? repackedScale = null;
        QrtTensor? repackedZeroPoint = null;
        try
        {
            repackedScale = QrtTensor.Empty(weight.Scale.DType, [groups, n], device);
            repackedZeroPoint = weight.ZeroPoint is null ? null : QrtTensor.Empty(DType.I32, [groups, n / 8], device);
            using var stream = new QrtStream(device);
            Ops.RepackWna16(stream, weight, repackedWeight, repackedScale, repackedZeroPoint);
            stream.Synchronize();
            return new RepackedInt4Weight(repackedWeight, repackedScale, repackedZeroPoint, weight.GroupSize, n);
        }
        catch
        {
            repackedWeight.Dispose();
            repackedScale?.Dispose();
            repackedZeroPoint?.Dispose();
            throw;
        }
    }

    /// <summary>Disposes every tensor of the weight.</summary>
    public void Dispose()
    {
        Weight.Dispose();
        Scale.Dispose();
        ZeroPoint?.Dispose();
    }
}
