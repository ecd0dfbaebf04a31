using Qrt.Bindings;
using Qrt.Runtime.Interop;

namespace Qrt.Runtime;

public static unsafe partial class Ops
{
    /// <summary>
    /// Chooses each token's experts: softmax of its router logits [T, E] in FP32, the <paramref name="topK"/> most
    /// probable experts (largest first, lower index on ties) into I32 <paramref name="expertIds"/> [T, k] and their
    /// probabilities into F32 <paramref name="expertWeights"/> [T, k], divided by their sum when
    /// <paramref name="renormalize"/> is set (Mixtral).
    /// </summary>
    public static void MoeRoute(QrtStream stream, QrtTensor routerLogits, int topK, bool renormalize, QrtTensor expertIds, QrtTensor expertWeights)
    {
        ArgumentNullException.ThrowIfNull(routerLogits);
        ArgumentNullException.ThrowIfNull(expertIds);
        ArgumentNullException.ThrowIfNull(expertWeights);
        using var call = new NativeCall(stream, routerLogits, expertIds, expertWeights);
        var nl = routerLogits.ToNative();
        var ni = expertIds.ToNative();
        var nw = expertWeights.ToNative();
        NativeStatus.Check(QrtNative.qrt_moe_route(call.Stream, &nl, topK, renormalize ? 1 : 0, &ni, &nw));
    }

    /// <summary>
    /// Sorts the T·k (token, slot) pairs of I32 <paramref name="expertIds"/> [T, k] by expert, stably:
    /// <paramref name="sortedRows"/> [R] lists the routed rows t·k + slot expert by expert, <paramref name="expertOffsets"/>
    /// [E + 1] where each expert's segment starts, <paramref name="rowPositions"/> [T, k] where each pair landed.
    /// </summary>
    public static void MoeSort(QrtStream stream, QrtTensor expertIds, int numExperts, QrtTensor sortedRows, QrtTensor expertOffsets, QrtTensor rowPositions)
    {
        ArgumentNullException.ThrowIfNull(expertIds);
        ArgumentNullException.ThrowIfNull(sortedRows);
        ArgumentNullException.ThrowIfNull(expertOffsets);
        ArgumentNullException.ThrowIfNull(rowPositions);
        using var call = new NativeCall(stream, expertIds, sortedRows, expertOffsets, rowPositions);
        var ni = expertIds.ToNative();
        var nr = sortedRows.ToNative();
        var no = expertOffsets.ToNative();
        var np = rowPositions.ToNative();
        NativeStatus.Check(QrtNative.qrt_moe_sort(call.Stream, &ni, numExperts, &nr, &no, &np));
    }

    /// <summary>xs[i] = x[sortedRows[i] / topK]: the tokens' rows [T, H] in expert order, into xs [T·k, H] of x's dtype.</summary>
    public static void MoeGather(QrtStream stream, QrtTensor x, QrtTensor sortedRows, int topK, QrtTensor xs)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(sortedRows);
        ArgumentNullException.ThrowIfNull(xs);
        using var call = new NativeCall(stream, x, sortedRows, xs);
        var nx = x.ToNative();
        var nr = sortedRows.ToNative();
        var ns = xs.ToNative();
        NativeStatus.Check(QrtNative.qrt_moe_gather(call.Stream, &nx, &nr, topK, &ns));
    }

    /// <summary>
    /// y[t] = Σ over the token's slots, in increasing expert id, of weight · expertOut[rowPositions[t][slot]], summed
    /// in FP32 and rounded to y's dtype. expertOut [T·k, H] holds the experts' rows sorted by expert; y [T, H] must not
    /// overlap it.
    /// </summary>
    public static void MoeCombine(QrtStream stream, QrtTensor expertOut, QrtTensor rowPositions, QrtTensor expertWeights, QrtTensor expertIds, QrtTensor y)
    {
        ArgumentNullException.ThrowIfNull(expertOut);
        ArgumentNullException.ThrowIfNull(rowPositions);
        ArgumentNullException.ThrowIfNull(expertWeights);
        ArgumentNullException.ThrowIfNull(expertIds);
        ArgumentNullException.ThrowIfNull(y);
        using var call = new NativeCall(stream, expertOut, rowPositions, expertWeights, expertIds, y);
        var no = expertOut.ToNative();
        var np = rowPositions.ToNative();
        var nw = expertWeights.ToNative();
        var ni = expertIds.ToNative();
        var ny = y.ToNative();
        NativeStatus.Check(QrtNative.qrt_moe_combine(call.Stream, &no, &np, &nw, &ni, &ny));
    }
}
