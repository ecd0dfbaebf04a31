using Qrt.Runtime.Interop;
using Qrt.Runtime.Tests.Reference;
using Qrt.Runtime.Tests.Support;

namespace Qrt.Runtime.Tests.Ops.Core;

/// <summary>
/// Builds op inputs from bits encoded by <see cref="NumberFormats"/> and reads outputs back by their bits, so no
/// conversion of libqrt's stands between a reference and what a kernel read or wrote.
/// </summary>
internal static class CoreTesting
{
    /// <summary>Unit roundoff of FP32, the precision every kernel accumulates in.</summary>
    public static readonly double Fp32Unit = Math.Pow(2, -24);

    public static readonly DType[] StorageFloatDTypes = [DType.F32, DType.BF16];

    /// <summary>values as the kernel reads them from a tensor of dtype.</summary>
    public static float[] Stored(DType dtype, float[] values) => TestData.RoundedTo(dtype, values);

    /// <summary>
    /// The relative error of storing an FP32 result in dtype: none for F32 (the FP32 result is what is stored),
    /// the dtype's unit roundoff otherwise.
    /// </summary>
    public static double StoreRounding(DType dtype) => dtype == DType.F32 ? 0 : NumberFormats.UnitRoundoff(dtype);

    /// <summary>
    /// How far rounding an intermediate to dtype may land from a reference rounded at the same step when the two
    /// straddle a midpoint: one step of dtype, 2u relative; nothing for F32, which the kernel computes in anyway.
    /// </summary>
    public static double IntermediateRounding(DType dtype) => dtype == DType.F32 ? 0 : 2 * NumberFormats.UnitRoundoff(dtype);

    /// <summary>Columns [first, first + count) of a row-major rows × width matrix.</summary>
    public static float[] Columns(float[] matrix, int rows, int width, int first, int count) =>
        Enumerable.Range(0, rows * count).Select(i => matrix[((i / count) * width) + first + (i % count)]).ToArray();

    public static double[] Widen(IEnumerable<float> values) => values.Select(v => (double)v).ToArray();

    public static long[] Shape(params long[] shape) => shape;

    public static int Count(long[] shape) => checked((int)shape.Aggregate(1L, (product, extent) => product * extent));
}
