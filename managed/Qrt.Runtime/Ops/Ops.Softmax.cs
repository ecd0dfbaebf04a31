using Qrt.Bindings;
using Qrt.Runtime.Interop;

namespace Qrt.Runtime;

public static unsafe partial class Ops
{
    /// <summary>y = softmax(x) over the last dimension, in FP32; y may be x.</summary>
    public static void Softmax(QrtStream stream, QrtTensor x, QrtTensor y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        using var call = new NativeCall(stream, x, y);
        var nx = x.ToNative();
        var ny = y.ToNative();
        NativeStatus.Check(QrtNative.qrt_softmax(call.Stream, &nx, &ny));
    }

    /// <summary>y = log_softmax(x) over the last dimension, in FP32; y may be x.</summary>
    public static void LogSoftmax(QrtStream stream, QrtTensor x, QrtTensor y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        using var call = new NativeCall(stream, x, y);
        var nx = x.ToNative();
        var ny = y.ToNative();
        NativeStatus.Check(QrtNative.qrt_log_softmax(call.Stream, &nx, &ny));
    }

    /// <summary>Index of the largest value of each row (first on ties, NaN largest) into I32 or I64 indices.</summary>
    public static void Argmax(QrtStream stream, QrtTensor x, QrtTensor indices)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(indices);
        using var call = new NativeCall(stream, x, indices);
        var nx = x.ToNative();
        var ni = indices.ToNative();
        NativeStatus.Check(QrtNative.qrt_argmax(call.Stream, &nx, &ni));
    }
}
