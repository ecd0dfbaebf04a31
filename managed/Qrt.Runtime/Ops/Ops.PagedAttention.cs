using Qrt.Bindings;
using Qrt.Runtime.Interop;

namespace Qrt.Runtime;

public static unsafe partial class Ops
{
    /// <summary>
    /// Writes the keys k [T, Hkv, D] and values v [T, Hkv, Dv] of T new tokens into block-paged caches
    /// kCache [blocks, blockSize, Hkv, D] and vCache [blocks, blockSize, Hkv, Dv]: token t goes to slot
    /// slots[t] (I32 [T]; block slots[t] / blockSize, row slots[t] % blockSize), or nowhere if negative.
    /// </summary>
    public static void KvCacheWrite(QrtStream stream, QrtTensor k, QrtTensor v, QrtTensor slots, QrtTensor kCache, QrtTensor vCache)
    {
        ArgumentNullException.ThrowIfNull(k);
        ArgumentNullException.ThrowIfNull(v);
        ArgumentNullException.ThrowIfNull(slots);
        ArgumentNullException.ThrowIfNull(kCache);
        ArgumentNullException.ThrowIfNull(vCache);
        using var call = new NativeCall(stream, k, v, slots, kCache, vCache);
        var nk = k.ToNative();
        var nv = v.ToNative();
        var ns = slots.ToNative();
        var nkc = kCache.ToNative();
        var nvc = vCache.ToNative();
        NativeStatus.Check(QrtNative.qrt_kv_cache_write(call.Stream, &nk, &nv, &ns, &nkc, &nvc));
    }

    /// <summary>
    /// Causal grouped-query attention of several sequences' new tokens over their paged caches, softmax in FP32:
    /// q [Tq, Hq, D], out [Tq, Hq, Dv]; sequence s owns queries [queryStarts[s], queryStarts[s + 1]) (I32 [S + 1]),
    /// which are the last positions of its contextLengths[s] keys (I32 [S]), found through its row of
    /// blockTables (I32 [S, maxBlocksPerSequence]). slidingWindow is 0 or the number of positions a query sees.
    /// </summary>
    public static void PagedAttention(
        QrtStream stream, QrtTensor q, QrtTensor kCache, QrtTensor vCache, QrtTensor queryStarts, QrtTensor contextLengths,
        QrtTensor blockTables, float scale, int slidingWindow, QrtTensor output)
    {
        ArgumentNullException.ThrowIfNull(q);
        ArgumentNullException.ThrowIfNull(kCache);
        ArgumentNullException.ThrowIfNull(vCache);
        ArgumentNullException.ThrowIfNull(queryStarts);
        ArgumentNullException.ThrowIfNull(contextLengths);
        ArgumentNullException.ThrowIfNull(blockTables);
        ArgumentNullException.ThrowIfNull(output);
        using var call = new NativeCall(stream, q, kCache, vCache, queryStarts, contextLengths, blockTables, output);
        var nq = q.ToNative();
        var nkc = kCache.ToNative();
        var nvc = vCache.ToNative();
        var nqs = queryStarts.ToNative();
        var ncl = contextLengths.ToNative();
        var nbt = blockTables.ToNative();
        var no = output.ToNative();
        NativeStatus.Check(QrtNative.qrt_paged_attention(call.Stream, &nq, &nkc, &nvc, &nqs, &ncl, &nbt, scale, slidingWindow, &no));
    }
}
