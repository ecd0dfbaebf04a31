using Qrt.Bindings;
using Qrt.Runtime.Interop;

namespace Qrt.Runtime;

/// <summary>Which keys a query may see in <see cref="Ops.Attention"/>.</summary>
/// <param name="Causal">Only keys at positions up to the query's own.</param>
/// <param name="SlidingWindow">0, or W to see only the last W positions up to the query's own.</param>
/// <param name="Segments">Null, or I32 cumulative offsets [S + 1]: attention stays within each segment.</param>
public sealed record AttentionMask(bool Causal, int SlidingWindow = 0, QrtTensor? Segments = null)
{
    /// <summary>Causal attention over one sequence.</summary>
    public static AttentionMask CausalMask { get; } = new(Causal: true);
}

public static unsafe partial class Ops
{
    /// <summary>
    /// Scaled dot-product attention with grouped-query heads: q [Tq, Hq, D], k [Tk, Hkv, D], v [Tk, Hkv, Dv],
    /// out [Tq, Hq, Dv]; softmax in FP32.
    /// </summary>
    public static void Attention(QrtStream stream, QrtTensor q, QrtTensor k, QrtTensor v, AttentionMask mask, float scale, QrtTensor output)
    {
        ArgumentNullException.ThrowIfNull(q);
        ArgumentNullException.ThrowIfNull(k);
        ArgumentNullException.ThrowIfNull(v);
        ArgumentNullException.ThrowIfNull(mask);
        ArgumentNullException.ThrowIfNull(output);
        using var call = new NativeCall(stream, q, k, v, mask.Segments, output);
        var nq = q.ToNative();
        var nk = k.ToNative();
        var nv = v.ToNative();
        var ns = Describe(mask.Segments);
        var no = output.ToNative();
        NativeStatus.Check(QrtNative.qrt_attention(call.Stream, &nq, &nk, &nv, Optional(mask.Segments, &ns), scale, mask.Causal ? 1 : 0, mask.SlidingWindow, &no));
    }
}
