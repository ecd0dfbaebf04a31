using Qrt.Bindings;
using Qrt.Runtime.Interop;

namespace Qrt.Runtime;

public static unsafe partial class Ops
{
    /// <summary>RMSNorm with transformers' numerics; y may be x.</summary>
    public static void RmsNorm(QrtStream stream, QrtTensor x, QrtTensor weight, float eps, QrtTensor y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(weight);
        ArgumentNullException.ThrowIfNull(y);
        using var call = new NativeCall(stream, x, weight, y);
        var nx = x.ToNative();
        var nw = weight.ToNative();
        var ny = y.ToNative();
        NativeStatus.Check(QrtNative.qrt_rms_norm(call.Stream, &nx, &nw, eps, &ny));
    }

    /// <summary>residual = x + residual (in place), then y = RmsNorm(residual); y may be x.</summary>
    public static void AddRmsNorm(QrtStream stream, QrtTensor x, QrtTensor residual, QrtTensor weight, float eps, QrtTensor y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(residual);
        ArgumentNullException.ThrowIfNull(weight);
        ArgumentNullException.ThrowIfNull(y);
        using var call = new NativeCall(stream, x, residual, weight, y);
        var nx = x.ToNative();
        var nr = residual.ToNative();
        var nw = weight.ToNative();
        var ny = y.ToNative();
        NativeStatus.Check(QrtNative.qrt_add_rms_norm(call.Stream, &nx, &nr, &nw, eps, &ny));
    }

    /// <summary>LayerNorm with affine weight and optional bias, in FP32; y may be x.</summary>
    public static void LayerNorm(QrtStream stream, QrtTensor x, QrtTensor weight, QrtTensor? bias, float eps, QrtTensor y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(weight);
        ArgumentNullException.ThrowIfNull(y);
        using var call = new NativeCall(stream, x, weight, bias, y);
        var nx = x.ToNative();
        var nw = weight.ToNative();
        var nb = Describe(bias);
        var ny = y.ToNative();
        NativeStatus.Check(QrtNative.qrt_layer_norm(call.Stream, &nx, &nw, Optional(bias, &nb), eps, &ny));
    }
}
