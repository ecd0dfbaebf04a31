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
}
