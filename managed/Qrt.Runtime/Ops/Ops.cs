using Qrt.Bindings;

namespace Qrt.Runtime;

/// <summary>
/// The kernels of libqrt as managed calls, one method per op of <c>qrt.h</c>, grouped by family in the
/// partial files beside this one. Each validates nothing itself beyond nulls: libqrt checks every argument
/// and its message (naming the op and argument) arrives as a <see cref="Interop.QrtException"/>.
/// </summary>
public static unsafe partial class Ops
{
    /// <summary>The descriptor pointer for an optional tensor: the slot if present, else null.</summary>
    private static qrt_tensor* Optional(QrtTensor? tensor, qrt_tensor* slot) => tensor is null ? null : slot;

    private static qrt_tensor Describe(QrtTensor? tensor) => tensor?.ToNative() ?? default;
}
