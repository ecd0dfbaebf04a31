using Qrt.Bindings;
using Qrt.Runtime.Interop;

namespace Qrt.Runtime;

public static unsafe partial class Ops
{
    /// <summary>
    /// <paramref name="destination"/> = <paramref name="source"/>, converting between floating-point dtypes
    /// (round to nearest even; FP8 saturates) or copying integers of one dtype. Any strides.
    /// </summary>
    public static void Copy(QrtStream stream, QrtTensor source, QrtTensor destination)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        using var call = new NativeCall(stream, source, destination);
        var src = source.ToNative();
        var dst = destination.ToNative();
        NativeStatus.Check(QrtNative.qrt_copy(call.Stream, &src, &dst));
    }

    /// <summary><paramref name="y"/> = <paramref name="a"/> + <paramref name="b"/>; y may be a or b.</summary>
    public static void Add(QrtStream stream, QrtTensor a, QrtTensor b, QrtTensor y)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(y);
        using var call = new NativeCall(stream, a, b, y);
        var na = a.ToNative();
        var nb = b.ToNative();
        var ny = y.ToNative();
        NativeStatus.Check(QrtNative.qrt_add(call.Stream, &na, &nb, &ny));
    }

    /// <summary>
    /// <paramref name="y"/>[..., j] = <paramref name="x"/>[..., indices[j]]: gathers columns (the last dimension)
    /// of x [..., K] into y [..., J] of the same floating-point dtype. <paramref name="indices"/> is I32 or I64
    /// [J] with every value in [0, K); rows must be contiguous along the last dimension, and y must not overlap x.
    /// </summary>
    public static void GatherColumns(QrtStream stream, QrtTensor x, QrtTensor indices, QrtTensor y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(indices);
        ArgumentNullException.ThrowIfNull(y);
        using var call = new NativeCall(stream, x, indices, y);
        var nx = x.ToNative();
        var ni = indices.ToNative();
        var ny = y.ToNative();
        NativeStatus.Check(QrtNative.qrt_gather_columns(call.Stream, &nx, &ni, &ny));
    }
}
