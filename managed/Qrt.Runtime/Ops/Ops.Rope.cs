using Qrt.Bindings;
using Qrt.Runtime.Interop;

namespace Qrt.Runtime;

public static unsafe partial class Ops
{
    /// <summary>
    /// Rotary embedding in place on x [T, H, D] (half-split convention) from positions [T] and inverse
    /// frequencies [R/2]: angle = position · invFreq.
    /// </summary>
    public static void Rope(QrtStream stream, QrtTensor x, QrtTensor positions, QrtTensor inverseFrequencies)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(positions);
        ArgumentNullException.ThrowIfNull(inverseFrequencies);
        using var call = new NativeCall(stream, x, positions, inverseFrequencies);
        var nx = x.ToNative();
        var np = positions.ToNative();
        var nf = inverseFrequencies.ToNative();
        NativeStatus.Check(QrtNative.qrt_rope(call.Stream, &nx, &np, &nf));
    }

    /// <summary>Rotary embedding in place on x [T, H, D] from explicit cos and sin tables [T, R/2].</summary>
    public static void RopeCosSin(QrtStream stream, QrtTensor x, QrtTensor cos, QrtTensor sin)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(cos);
        ArgumentNullException.ThrowIfNull(sin);
        using var call = new NativeCall(stream, x, cos, sin);
        var nx = x.ToNative();
        var nc = cos.ToNative();
        var ns = sin.ToNative();
        NativeStatus.Check(QrtNative.qrt_rope_cos_sin(call.Stream, &nx, &nc, &ns));
    }
}
