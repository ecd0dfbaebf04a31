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
    /// Repacks a 4-bit <see cref="PackedIntWeight"/> into the tensor-core layout of <see cref="GemmWna16Repacked"/>
    /// (qrt.h, "The repacked W4A16 layout"), once, at load: <paramref name="repackedWeight"/> I32 [K / 16, 2N],
    /// <paramref name="repackedScale"/> [G, N] in the scale's dtype, and <paramref name="repackedZeroPoint"/>
    /// I32 [G, N / 8] exactly when the weight has zero points. A weight with a group index must have its columns sorted
    /// by group first (the activations are then gathered into the same order before each call).
    /// </summary>
    public static void RepackWna16(
        QrtStream stream, PackedIntWeight weight, QrtTensor repackedWeight, QrtTensor repackedScale, QrtTensor? repackedZeroPoint)
    {
        ArgumentNullException.ThrowIfNull(weight);
        ArgumentNullException.ThrowIfNull(repackedWeight);
        ArgumentNullException.ThrowIfNull(repackedScale);
        if (weight.GroupIndex is not null)
        {
            throw new ArgumentException(
                "the repacked layout takes columns already sorted by group: permute the weight's columns and drop its group index first",
                nameof(weight));
        }

        using var call = new NativeCall(stream, weight.Packed, weight.Scale, weight.ZeroPoint, repackedWeight, repackedScale, repackedZeroPoint);
        var packed = weight.Packed.ToNative();
        var scale = weight.Scale.ToNative();
        var zero = Describe(weight.ZeroPoint);
        var nw = repackedWeight.ToNative();
        var ns = repackedScale.ToNative();
        var nz = Describe(repackedZeroPoint);
        NativeStatus.Check(QrtNative.qrt_repack_wna16(
            call.Stream, &packed, &scale, Optional(weight.ZeroPoint, &zero), weight.Bits, weight.GroupSize,
            &nw, &ns, Optional(repackedZeroPoint, &nz)));
    }

    /// <summary>
    /// The bytes of workspace <see cref="GemmWna16Repacked"/> needs on <paramref name="device"/> for a weight of
    /// <paramref name="n"/> x <paramref name="k"/> and up to <paramref name="maxRows"/> rows of x (0 on the CPU).
    /// </summary>
    public static long GemmWna16RepackedWorkspaceSize(Device device, long maxRows, long n, long k)
    {
        nuint bytes = 0;
        NativeStatus.Check(QrtNative.qrt_gemm_wna16_repacked_workspace_size(device.ToNative(), maxRows, n, k, &bytes));
        return checked((long)bytes);
    }

    /// <summary>
    /// W4A16 linear layer y = x·Wᵀ (+ bias) on a weight repacked by <see cref="RepackWna16"/> with the same
    /// <paramref name="groupSize"/>. <paramref name="workspace"/> (U8, zero-filled before its first use, or null) lets
    /// the CUDA kernel split K across blocks at small batch; see <see cref="GemmWna16RepackedWorkspaceSize"/>.
    /// </summary>
    public static void GemmWna16Repacked(
        QrtStream stream, QrtTensor x, QrtTensor repackedWeight, QrtTensor repackedScale, QrtTensor? repackedZeroPoint,
        long groupSize, QrtTensor? bias, QrtTensor? workspace, QrtTensor y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(repackedWeight);
        ArgumentNullException.ThrowIfNull(repackedScale);
        ArgumentNullException.ThrowIfNull(y);
        using var call = new NativeCall(stream, x, repackedWeight, repackedScale, repackedZeroPoint, bias, workspace, y);
        var nx = x.ToNative();
        var nw = repackedWeight.ToNative();
        var ns = repackedScale.ToNative();
        var nz = Describe(repackedZeroPoint);
        var nb = Describe(bias);
        var nws = Describe(workspace);
        var ny = y.ToNative();
        NativeStatus.Check(QrtNative.qrt_gemm_wna16_repacked(
            call.Stream, &nx, &nw, &ns, Optional(repackedZeroPoint, &nz), 4, groupSize, Optional(bias, &nb),
            Optional(workspace, &nws), &ny));
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
