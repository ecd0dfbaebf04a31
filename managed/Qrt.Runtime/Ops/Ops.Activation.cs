using Qrt.Bindings;
using Qrt.Runtime.Interop;

namespace Qrt.Runtime;

/// <summary>Pointwise activation functions (mirrors <c>qrt_activation</c>).</summary>
public enum Activation
{
    /// <summary>x · sigmoid(x).</summary>
    Silu = qrt_activation.QRT_ACTIVATION_SILU,

    /// <summary>Exact GELU, x · Φ(x).</summary>
    Gelu = qrt_activation.QRT_ACTIVATION_GELU,

    /// <summary>GELU with the tanh approximation.</summary>
    GeluTanh = qrt_activation.QRT_ACTIVATION_GELU_TANH,

    /// <summary>x · sigmoid(1.702 · x).</summary>
    QuickGelu = qrt_activation.QRT_ACTIVATION_QUICK_GELU,
}

public static unsafe partial class Ops
{
    /// <summary>y = activation(x); y may be x.</summary>
    public static void Activate(QrtStream stream, Activation activation, QrtTensor x, QrtTensor y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        using var call = new NativeCall(stream, x, y);
        var nx = x.ToNative();
        var ny = y.ToNative();
        NativeStatus.Check(QrtNative.qrt_activate(call.Stream, (qrt_activation)activation, &nx, &ny));
    }

    /// <summary>y = activation(gate) · up (SiLU-and-mul for SwiGLU MLPs); y may be gate or up.</summary>
    public static void ActivateGated(QrtStream stream, Activation activation, QrtTensor gate, QrtTensor up, QrtTensor y)
    {
        ArgumentNullException.ThrowIfNull(gate);
        ArgumentNullException.ThrowIfNull(up);
        ArgumentNullException.ThrowIfNull(y);
        using var call = new NativeCall(stream, gate, up, y);
        var ng = gate.ToNative();
        var nu = up.ToNative();
        var ny = y.ToNative();
        NativeStatus.Check(QrtNative.qrt_activate_gated(call.Stream, (qrt_activation)activation, &ng, &nu, &ny));
    }
}
