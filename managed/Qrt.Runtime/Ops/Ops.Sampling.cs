using Qrt.Bindings;
using Qrt.Runtime.Interop;

namespace Qrt.Runtime;

public static unsafe partial class Ops
{
    /// <summary>
    /// Draws one token per row of <paramref name="logits" /> [B, V] (F32, F16 or BF16) into <paramref name="ids" />
    /// (I32 [B]), each row with its own <paramref name="temperature" /> (F32 [B], 0 is greedy), <paramref name="topK" />
    /// (I32 [B], 0 is off) and <paramref name="topP" /> (F32 [B], 1 is off), the distribution of
    /// <see cref="Generation.TokenSampler" />. The random numbers are Philox-4x32-10 keyed by <paramref name="seed" />
    /// (I64 [B]) at <paramref name="counter" /> (I64 [B]), which the op increments by one per row and call, on the
    /// device, so that repeated calls draw fresh numbers. The CPU and CUDA backends draw the same tokens.
    /// </summary>
    public static void Sample(QrtStream stream, QrtTensor logits, QrtTensor temperature, QrtTensor topK, QrtTensor topP,
                              QrtTensor seed, QrtTensor counter, QrtTensor ids)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(temperature);
        ArgumentNullException.ThrowIfNull(topK);
        ArgumentNullException.ThrowIfNull(topP);
        ArgumentNullException.ThrowIfNull(seed);
        ArgumentNullException.ThrowIfNull(counter);
        ArgumentNullException.ThrowIfNull(ids);
        using var call = new NativeCall(stream, logits, temperature, topK, topP, seed, counter, ids);
        var nl = logits.ToNative();
        var nt = temperature.ToNative();
        var nk = topK.ToNative();
        var np = topP.ToNative();
        var ns = seed.ToNative();
        var nc = counter.ToNative();
        var ni = ids.ToNative();
        NativeStatus.Check(QrtNative.qrt_sample(call.Stream, &nl, &nt, &nk, &np, &ns, &nc, &ni));
    }
}
