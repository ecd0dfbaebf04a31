using Qrt.Runtime.Tests.Reference;

namespace Qrt.Runtime.Tests.Support;

/// <summary>
/// Moves test values into and out of CPU tensors as raw bits encoded and decoded by <see cref="NumberFormats"/>,
/// so that no conversion of libqrt's stands between a reference and what a kernel read or wrote.
/// </summary>
internal static class TensorBits
{
    /// <summary>A tensor of dtype holding values rounded to it (FP8 saturating), uploaded as raw bits.</summary>
    public static QrtTensor Upload(DType dtype, float[] values, params long[] shape) => dtype switch
    {
        DType.F32 => QrtTensor.FromData<float>(values, DType.F32, shape),
        DType.BF16 => QrtTensor.FromData<ushort>(values.Select(NumberFormats.FloatToBf16).ToArray(), DType.BF16, shape),
        DType.F16 => QrtTensor.FromData<ushort>(values.Select(v => BitConverter.HalfToUInt16Bits((Half)v)).ToArray(), DType.F16, shape),
        DType.F8E4M3 => QrtTensor.FromData<byte>(values.Select(NumberFormats.FloatToFp8).ToArray(), DType.F8E4M3, shape),
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "not a floating-point dtype"),
    };

    /// <summary>The values of a floating-point tensor in row-major order, decoded exactly from its bits.</summary>
    public static float[] Read(QrtTensor tensor) => tensor.DType switch
    {
        DType.F32 => tensor.ToArray<float>(),
        DType.BF16 => tensor.ToArray<ushort>().Select(NumberFormats.Bf16ToFloat).ToArray(),
        DType.F16 => tensor.ToArray<ushort>().Select(bits => (float)BitConverter.UInt16BitsToHalf(bits)).ToArray(),
        DType.F8E4M3 => tensor.ToArray<byte>().Select(NumberFormats.Fp8ToFloat).ToArray(),
        _ => throw new ArgumentOutOfRangeException(nameof(tensor), tensor.DType, "not a floating-point dtype"),
    };
}
