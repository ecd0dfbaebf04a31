using Qrt.Bindings;
using Qrt.Runtime.Interop;

namespace Qrt.Runtime;

public static unsafe partial class Ops
{
    /// <summary>
    /// Quantizes activations to INT8. Dynamic when <paramref name="staticScale"/> is null: one scale per row
    /// (max|x| / 127) is written to <paramref name="scaleOut"/>. Static otherwise, with an optional zero point,
    /// and <paramref name="scaleOut"/> must be null.
    /// </summary>
    public static void QuantizeInt8(QrtStream stream, QrtTensor x, QrtTensor? staticScale, QrtTensor? staticZeroPoint, QrtTensor q, QrtTensor? scaleOut)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(q);
        using var call = new NativeCall(stream, x, staticScale, staticZeroPoint, q, scaleOut);
        var nx = x.ToNative();
        var nss = Describe(staticScale);
        var nzp = Describe(staticZeroPoint);
        var nq = q.ToNative();
        var nso = Describe(scaleOut);
        NativeStatus.Check(QrtNative.qrt_quantize_int8(call.Stream, &nx, Optional(staticScale, &nss), Optional(staticZeroPoint, &nzp), &nq, Optional(scaleOut, &nso)));
    }

    /// <summary>
    /// Quantizes activations to FP8 e4m3. Dynamic when <paramref name="staticScale"/> is null (max|x| / 448 per
    /// row, written to <paramref name="scaleOut"/>); static otherwise.
    /// </summary>
    public static void QuantizeFp8(QrtStream stream, QrtTensor x, QrtTensor? staticScale, QrtTensor q, QrtTensor? scaleOut)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(q);
        using var call = new NativeCall(stream, x, staticScale, q, scaleOut);
        var nx = x.ToNative();
        var nss = Describe(staticScale);
        var nq = q.ToNative();
        var nso = Describe(scaleOut);
        NativeStatus.Check(QrtNative.qrt_quantize_fp8(call.Stream, &nx, Optional(staticScale, &nss), &nq, Optional(scaleOut, &nso)));
    }
}
