using Qrt.Bindings;
using Qrt.Runtime.Interop;

namespace Qrt.Runtime;

// Grouped expert linear layers (qrt.h, "Grouped expert linear layers"): the R = T·k routed rows are sorted by expert,
// rows [expertOffsets[e], expertOffsets[e + 1]) belonging to expert e; expertOffsets is I32 [E + 1] from 0 to R on the
// stream's device, and weights, scales and biases are stacked with a leading expert dimension E.
public static unsafe partial class Ops
{
    /// <summary>
    /// Dense grouped linear layer: each expert's rows of x [R, K] times its weight w [E, N, K] (+ bias [E, N]) into
    /// y [R, N], in one call.
    /// </summary>
    public static void GemmGrouped(QrtStream stream, QrtTensor x, QrtTensor w, QrtTensor? bias, QrtTensor expertOffsets, QrtTensor y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(expertOffsets);
        ArgumentNullException.ThrowIfNull(y);
        using var call = new NativeCall(stream, x, w, bias, expertOffsets, y);
        var nx = x.ToNative();
        var nw = w.ToNative();
        var nb = Describe(bias);
        var no = expertOffsets.ToNative();
        var ny = y.ToNative();
        NativeStatus.Check(QrtNative.qrt_gemm_grouped(call.Stream, &nx, &nw, Optional(bias, &nb), &no, &ny));
    }

    /// <summary>
    /// INT8 W8A8 grouped linear layer: a I8 [R, K] with aScale F32 (one element, [E] per expert, or [R, 1] per token)
    /// and an optional zero point I32 [E]; w I8 [E, N, K] with wScale [E] or [E, N].
    /// </summary>
    public static void GemmW8A8Int8Grouped(
        QrtStream stream, QrtTensor a, QrtTensor aScale, QrtTensor? aZeroPoint, QrtTensor w, QrtTensor wScale, QrtTensor? bias,
        QrtTensor expertOffsets, QrtTensor y)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(aScale);
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(wScale);
        ArgumentNullException.ThrowIfNull(expertOffsets);
        ArgumentNullException.ThrowIfNull(y);
        using var call = new NativeCall(stream, a, aScale, aZeroPoint, w, wScale, bias, expertOffsets, y);
        var na = a.ToNative();
        var nas = aScale.ToNative();
        var nazp = Describe(aZeroPoint);
        var nw = w.ToNative();
        var nws = wScale.ToNative();
        var nb = Describe(bias);
        var no = expertOffsets.ToNative();
        var ny = y.ToNative();
        NativeStatus.Check(QrtNative.qrt_gemm_w8a8_int8_grouped(
            call.Stream, &na, &nas, Optional(aZeroPoint, &nazp), &nw, &nws, Optional(bias, &nb), &no, &ny));
    }

    /// <summary>
    /// FP8 W8A8 grouped linear layer: a F8E4M3 [R, K] with aScale F32 (one element, [E] or [R, 1]); w F8E4M3
    /// [E, N, K] with wScale [E] or [E, N].
    /// </summary>
    public static void GemmW8A8Fp8Grouped(
        QrtStream stream, QrtTensor a, QrtTensor aScale, QrtTensor w, QrtTensor wScale, QrtTensor? bias, QrtTensor expertOffsets,
        QrtTensor y)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(aScale);
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(wScale);
        ArgumentNullException.ThrowIfNull(expertOffsets);
        ArgumentNullException.ThrowIfNull(y);
        using var call = new NativeCall(stream, a, aScale, w, wScale, bias, expertOffsets, y);
        var na = a.ToNative();
        var nas = aScale.ToNative();
        var nw = w.ToNative();
        var nws = wScale.ToNative();
        var nb = Describe(bias);
        var no = expertOffsets.ToNative();
        var ny = y.ToNative();
        NativeStatus.Check(QrtNative.qrt_gemm_w8a8_fp8_grouped(call.Stream, &na, &nas, &nw, &nws, Optional(bias, &nb), &no, &ny));
    }

    /// <summary>FP8 weight-only grouped linear layer: x [R, K] float, w F8E4M3 [E, N, K] with wScale [E] or [E, N].</summary>
    public static void GemmW8A16Fp8Grouped(
        QrtStream stream, QrtTensor x, QrtTensor w, QrtTensor wScale, QrtTensor? bias, QrtTensor expertOffsets, QrtTensor y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(wScale);
        ArgumentNullException.ThrowIfNull(expertOffsets);
        ArgumentNullException.ThrowIfNull(y);
        using var call = new NativeCall(stream, x, w, wScale, bias, expertOffsets, y);
        var nx = x.ToNative();
        var nw = w.ToNative();
        var nws = wScale.ToNative();
        var nb = Describe(bias);
        var no = expertOffsets.ToNative();
        var ny = y.ToNative();
        NativeStatus.Check(QrtNative.qrt_gemm_w8a16_fp8_grouped(call.Stream, &nx, &nw, &nws, Optional(bias, &nb), &no, &ny));
    }

    /// <summary>
    /// Static INT8 quantization with each expert's own scale [E] (and optional zero point I32 [E]) on its rows of
    /// x [R, K] into q I8 [R, K].
    /// </summary>
    public static void QuantizeInt8Grouped(
        QrtStream stream, QrtTensor x, QrtTensor staticScale, QrtTensor? staticZeroPoint, QrtTensor expertOffsets, QrtTensor q)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(staticScale);
        ArgumentNullException.ThrowIfNull(expertOffsets);
        ArgumentNullException.ThrowIfNull(q);
        using var call = new NativeCall(stream, x, staticScale, staticZeroPoint, expertOffsets, q);
        var nx = x.ToNative();
        var nss = staticScale.ToNative();
        var nzp = Describe(staticZeroPoint);
        var no = expertOffsets.ToNative();
        var nq = q.ToNative();
        NativeStatus.Check(QrtNative.qrt_quantize_int8_grouped(call.Stream, &nx, &nss, Optional(staticZeroPoint, &nzp), &no, &nq));
    }

    /// <summary>Static FP8 e4m3 quantization with each expert's own scale [E] on its rows of x [R, K].</summary>
    public static void QuantizeFp8Grouped(QrtStream stream, QrtTensor x, QrtTensor staticScale, QrtTensor expertOffsets, QrtTensor q)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(staticScale);
        ArgumentNullException.ThrowIfNull(expertOffsets);
        ArgumentNullException.ThrowIfNull(q);
        using var call = new NativeCall(stream, x, staticScale, expertOffsets, q);
        var nx = x.ToNative();
        var nss = staticScale.ToNative();
        var no = expertOffsets.ToNative();
        var nq = q.ToNative();
        NativeStatus.Check(QrtNative.qrt_quantize_fp8_grouped(call.Stream, &nx, &nss, &no, &nq));
    }
}
