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
/// <param name="PaddedOutFeatures">
/// The kernel's N: <paramref name="OutFeatures"/> rounded up to the layout's 64-feature tiles. The padding features
/// have zero scales, so they compute zeros; a layer whose N is not a multiple of 64 writes them to scratch and keeps
/// the first N.
/// </param>
internal sealed record RepackedInt4Weight(
    QrtTensor Weight, QrtTensor Scale, QrtTensor? ZeroPoint, long GroupSize, long OutFeatures, long PaddedOutFeatures)
    : IDisposable
{
    /// <summary>Output features per tile of the repacked layout.</summary>
    public const long FeatureTile = 64;

    /// <summary>Whether the kernel computes more features than the layer has.</summary>
    public bool IsPadded => PaddedOutFeatures != OutFeatures;

    /// <summary>
    /// Repacks <paramref name="weight"/> (4-bit, no group index: sort activation-ordered columns first) on its own
    /// device and waits for it, so the caller may free the original at once. The weight is left as it was.
    /// </summary>
    public static RepackedInt4Weight Repack(PackedIntWeight weight, long inFeatures)
    {
        ArgumentNullException.ThrowIfNull(weight);
        var device = weight.Packed.Device;
        var n = weight.OutFeatures;
        var padded = (n + FeatureTile - 1) / FeatureTile * FeatureTile;
        if (padded != n)
        {
            using var widened = PadOutFeatures(weight, padded);
            var repacked = Repack(widened, inFeatures);
            return repacked with { OutFeatures = n };
        }

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
            return new RepackedInt4Weight(repackedWeight, repackedScale, repackedZeroPoint, weight.GroupSize, n, n);
        }
        catch
        {
            repackedWeight.Dispose();
            repackedScale?.Dispose();
            repackedZeroPoint?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A copy of <paramref name="weight"/> with zero rows appended up to <paramref name="features"/> output features:
    /// zero scales (and zero stored words and zero points) make every added feature compute exactly 0.
    /// </summary>
    private static PackedIntWeight PadOutFeatures(PackedIntWeight weight, long features)
    {
        var device = weight.Packed.Device;
        var packed = Widened(weight.Packed, features, device);
        var scale = Widened(weight.Scale, features, device);
        var zeroPoint = weight.ZeroPoint is null ? null : Widened(weight.ZeroPoint, features / 8, device);
        return new PackedIntWeight(packed, scale, zeroPoint, GroupIndex: null, weight.Bits, weight.GroupSize);
    }

    /// <summary>A zero tensor of <paramref name="rows"/> rows holding <paramref name="source"/>'s rows first.</summary>
    private static QrtTensor Widened(QrtTensor source, long rows, Device device)
    {
        long[] shape = [.. source.Shape];
        shape[0] = rows;
        var widened = QrtTensor.Zeros(source.DType, shape, device);
        using var head = widened.Slice(0, 0, source.Size(0));
        Transfer.Copy(source, head);
        return widened;
    }

    /// <summary>Disposes every tensor of the weight.</summary>
    public void Dispose()
    {
        Weight.Dispose();
        Scale.Dispose();
        ZeroPoint?.Dispose();
    }
}
