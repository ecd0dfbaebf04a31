using Qrt.Bindings;
using Qrt.Runtime.Interop;

namespace Qrt.Runtime;

public static unsafe partial class Ops
{
    /// <summary>
    /// Repacks expert <paramref name="expert"/>'s 4-bit <see cref="PackedIntWeight"/> (see <see cref="RepackWna16"/>)
    /// into its slice of the stacked tensors of <see cref="GemmWna16RepackedGrouped"/>: <paramref name="stackedWeight"/>
    /// I32 [E, K / 16, 2N], <paramref name="stackedScale"/> [E, G, N] and <paramref name="stackedZeroPoint"/>
    /// I32 [E, G, N / 8] exactly when the weight has zero points, each contiguous.
    /// </summary>
    public static void RepackWna16IntoStack(
        QrtStream stream, PackedIntWeight weight, long expert, QrtTensor stackedWeight, QrtTensor stackedScale, QrtTensor? stackedZeroPoint)
    {
        ArgumentNullException.ThrowIfNull(stackedWeight);
        ArgumentNullException.ThrowIfNull(stackedScale);
        using var repackedWeight = ExpertSlice(stackedWeight, expert, nameof(stackedWeight));
        using var repackedScale = ExpertSlice(stackedScale, expert, nameof(stackedScale));
        using var repackedZeroPoint = stackedZeroPoint is null ? null : ExpertSlice(stackedZeroPoint, expert, nameof(stackedZeroPoint));
        RepackWna16(stream, weight, repackedWeight, repackedScale, repackedZeroPoint);
    }

    /// <summary>
    /// Every expert's W4A16 linear layer on its rows, in one call (qrt.h, qrt_gemm_wna16_repacked_grouped): x [R, K]
    /// holds the routed rows sorted by expert, rows [expertOffsets[e], expertOffsets[e + 1]) belonging to expert e
    /// (<paramref name="expertOffsets"/> I32 [E + 1], from 0 to R), and those rows of y [R, N] get
    /// <see cref="GemmWna16Repacked"/> with expert e's slice of the stacked repacked weight and row e of
    /// <paramref name="bias"/> [E, N] (or none). The CPU checks the offsets; the CUDA backend does not read them.
    /// </summary>
    public static void GemmWna16RepackedGrouped(
        QrtStream stream, QrtTensor x, QrtTensor repackedWeight, QrtTensor repackedScale, QrtTensor? repackedZeroPoint,
        long groupSize, QrtTensor? bias, QrtTensor expertOffsets, QrtTensor y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(repackedWeight);
        ArgumentNullException.ThrowIfNull(repackedScale);
        ArgumentNullException.ThrowIfNull(expertOffsets);
        ArgumentNullException.ThrowIfNull(y);
        using var call = new NativeCall(stream, x, repackedWeight, repackedScale, repackedZeroPoint, bias, expertOffsets, y);
        var nx = x.ToNative();
        var nw = repackedWeight.ToNative();
        var ns = repackedScale.ToNative();
        var nz = Describe(repackedZeroPoint);
        var nb = Describe(bias);
        var no = expertOffsets.ToNative();
        var ny = y.ToNative();
        NativeStatus.Check(QrtNative.qrt_gemm_wna16_repacked_grouped(
            call.Stream, &nx, &nw, &ns, Optional(repackedZeroPoint, &nz), 4, groupSize, Optional(bias, &nb), &no, &ny));
    }

    /// <summary>
    /// Activation ordering of a grouped layer (qrt.h, qrt_gather_columns_grouped): row r of expert e's segment of
    /// x [R, K] is gathered into y [R, K] with expert e's permutation, y[r][j] = x[r][indices[e][j]]
    /// (<paramref name="indices"/> I32 [E, K], <paramref name="expertOffsets"/> as for
    /// <see cref="GemmWna16RepackedGrouped"/>).
    /// </summary>
    public static void GatherColumnsGrouped(QrtStream stream, QrtTensor x, QrtTensor indices, QrtTensor expertOffsets, QrtTensor y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(indices);
        ArgumentNullException.ThrowIfNull(expertOffsets);
        ArgumentNullException.ThrowIfNull(y);
        using var call = new NativeCall(stream, x, indices, expertOffsets, y);
        var nx = x.ToNative();
        var ni = indices.ToNative();
        var no = expertOffsets.ToNative();
        var ny = y.ToNative();
        NativeStatus.Check(QrtNative.qrt_gather_columns_grouped(call.Stream, &nx, &ni, &no, &ny));
    }

    /// <summary>Expert <paramref name="expert"/>'s slice of a stacked tensor, as a view without the expert dimension.</summary>
    private static QrtTensor ExpertSlice(QrtTensor stacked, long expert, string name)
    {
        if (stacked.Rank != 3)
        {
            throw new ArgumentException($"a stacked tensor is [E, rows, columns], got {stacked}", name);
        }

        using var slice = stacked.Slice(0, expert, 1);
        return slice.Reshape([stacked.Shape[1], stacked.Shape[2]]);
    }
}
