using Qrt.Bindings;
using Qrt.Runtime.Interop;

namespace Qrt.Runtime;

public static unsafe partial class Ops
{
    /// <summary>Dense linear layer y = x·Wᵀ (+ bias); w is [N, K] in F32, F16 or BF16.</summary>
    public static void Gemm(QrtStream stream, QrtTensor x, QrtTensor w, QrtTensor? bias, QrtTensor y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(y);
        using var call = new NativeCall(stream, x, w, bias, y);
        var nx = x.ToNative();
        var nw = w.ToNative();
        var nb = Describe(bias);
        var ny = y.ToNative();
        NativeStatus.Check(QrtNative.qrt_gemm(call.Stream, &nx, &nw, Optional(bias, &nb), &ny));
    }

    /// <summary>
    /// Integer weight-only linear layer (W4A16 / W8A16) on weights in the compressed-tensors
    /// "pack-quantized" layout; see <see cref="PackedIntWeight"/>.
    /// </summary>
    public static void GemmWna16(QrtStream stream, QrtTensor x, PackedIntWeight weight, QrtTensor? bias, QrtTensor y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(weight);
        ArgumentNullException.ThrowIfNull(y);
        using var call = new NativeCall(stream, x, weight.Packed, weight.Scale, weight.ZeroPoint, weight.GroupIndex, bias, y);
        var nx = x.ToNative();
        var packed = weight.Packed.ToNative();
        var scale = weight.Scale.ToNative();
        var zero = Describe(weight.ZeroPoint);
        var groups = Describe(weight.GroupIndex);
        var nb = Describe(bias);
        var ny = y.ToNative();
        NativeStatus.Check(QrtNative.qrt_gemm_wna16(
            call.Stream, &nx, &packed, &scale, Optional(weight.ZeroPoint, &zero), Optional(weight.GroupIndex, &groups),
            weight.Bits, weight.GroupSize, Optional(bias, &nb), &ny));
    }

    /// <summary>
    /// INT8 W8A8 linear layer on quantized activations a (I8) with their scales (one, or one per row) and
    /// optional zero point; w is I8 [N, K] with one scale or one per output channel.
    /// </summary>
    public static void GemmW8A8Int8(
        QrtStream stream, QrtTensor a, QrtTensor aScale, QrtTensor? aZeroPoint, QrtTensor w, QrtTensor wScale, QrtTensor? bias, QrtTensor y)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(aScale);
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(wScale);
        ArgumentNullException.ThrowIfNull(y);
        using var call = new NativeCall(stream, a, aScale, aZeroPoint, w, wScale, bias, y);
        var na = a.ToNative();
        var nas = aScale.ToNative();
        var nazp = Describe(aZeroPoint);
        var nw = w.ToNative();
        var nws = wScale.ToNative();
        var nb = Describe(bias);
        var ny = y.ToNative();
        NativeStatus.Check(QrtNative.qrt_gemm_w8a8_int8(call.Stream, &na, &nas, Optional(aZeroPoint, &nazp), &nw, &nws, Optional(bias, &nb), &ny));
    }

    /// <summary>FP8 W8A8 linear layer on quantized activations a (F8E4M3) with their scales.</summary>
    public static void GemmW8A8Fp8(QrtStream stream, QrtTensor a, QrtTensor aScale, QrtTensor w, QrtTensor wScale, QrtTensor? bias, QrtTensor y)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(aScale);
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(wScale);
        ArgumentNullException.ThrowIfNull(y);
        using var call = new NativeCall(stream, a, aScale, w, wScale, bias, y);
        var na = a.ToNative();
        var nas = aScale.ToNative();
        var nw = w.ToNative();
        var nws = wScale.ToNative();
        var nb = Describe(bias);
        var ny = y.ToNative();
        NativeStatus.Check(QrtNative.qrt_gemm_w8a8_fp8(call.Stream, &na, &nas, &nw, &nws, Optional(bias, &nb), &ny));
    }

    /// <summary>FP8 weight-only linear layer: y = x·(w·wScale)ᵀ (+ bias) with x in F32, F16 or BF16.</summary>
    public static void GemmW8A16Fp8(QrtStream stream, QrtTensor x, QrtTensor w, QrtTensor wScale, QrtTensor? bias, QrtTensor y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(wScale);
        ArgumentNullException.ThrowIfNull(y);
        using var call = new NativeCall(stream, x, w, wScale, bias, y);
        var nx = x.ToNative();
        var nw = w.ToNative();
        var nws = wScale.ToNative();
        var nb = Describe(bias);
        var ny = y.ToNative();
        NativeStatus.Check(QrtNative.qrt_gemm_w8a16_fp8(call.Stream, &nx, &nw, &nws, Optional(bias, &nb), &ny));
    }
}
