using Qrt.Bindings;

namespace Qrt.Runtime;

/// <summary>Element types of tensors (mirrors <c>qrt_dtype</c>).</summary>
public enum DType
{
    /// <summary>IEEE binary32.</summary>
    F32 = qrt_dtype.QRT_DTYPE_F32,

    /// <summary>IEEE binary16.</summary>
    F16 = qrt_dtype.QRT_DTYPE_F16,

    /// <summary>bfloat16: the upper half of a binary32.</summary>
    BF16 = qrt_dtype.QRT_DTYPE_BF16,

    /// <summary>FP8 e4m3fn: no infinities, largest finite ±448.</summary>
    F8E4M3 = qrt_dtype.QRT_DTYPE_F8_E4M3,

    /// <summary>Signed 8-bit integer.</summary>
    I8 = qrt_dtype.QRT_DTYPE_I8,

    /// <summary>Unsigned 8-bit integer.</summary>
    U8 = qrt_dtype.QRT_DTYPE_U8,

    /// <summary>Signed 32-bit integer (also the storage of packed 4-bit weights).</summary>
    I32 = qrt_dtype.QRT_DTYPE_I32,

    /// <summary>Signed 64-bit integer.</summary>
    I64 = qrt_dtype.QRT_DTYPE_I64,
}

/// <summary>Facts about element types.</summary>
public static class DTypeExtensions
{
    /// <summary>Size of one element in bytes.</summary>
    public static int ElementSize(this DType dtype) => dtype switch
    {
        DType.F32 or DType.I32 => 4,
        DType.F16 or DType.BF16 => 2,
        DType.F8E4M3 or DType.I8 or DType.U8 => 1,
        DType.I64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };

    /// <summary>Whether the dtype holds floating-point values.</summary>
    public static bool IsFloatingPoint(this DType dtype) =>
        dtype is DType.F32 or DType.F16 or DType.BF16 or DType.F8E4M3;
}
