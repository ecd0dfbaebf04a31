using Qrt.Runtime.Tests.Reference;

namespace Qrt.Runtime.Tests.Ops.Gemm;

/// <summary>
/// Activation quantization as qrt.h defines it. Scales and quotients are FP32 (max|x| / 127 or / 448 and x / scale
/// are single FP32 divisions), then the quotient is rounded half to even and saturated (INT8) or encoded by
/// <see cref="NumberFormats.FloatToFp8"/>. A row of zeros gets scale 0 and codes 0.
/// </summary>
internal static class ActivationQuantReference
{
    public const float Int8Max = 127f;

    public const float Fp8Max = 448f;

    public static float RowScale(ReadOnlySpan<float> row, float qmax)
    {
        var absMax = 0f;
        foreach (var value in row)
        {
            absMax = Math.Max(absMax, Math.Abs(value));
        }

        return absMax / qmax;
    }

    /// <summary>sat(round_half_even(x / scale) + zeroPoint) to [-128, 127].</summary>
    public static sbyte Int8(float x, float scale, int zeroPoint = 0)
    {
        var quotient = x / scale;
        var rounded = Math.Round((double)quotient, MidpointRounding.ToEven);
        return (sbyte)Math.Clamp(rounded + zeroPoint, -128, 127);
    }

    public static (sbyte[] Codes, float[] Scales) Int8Dynamic(float[] x, int rows, int cols)
    {
        var codes = new sbyte[x.Length];
        var scales = new float[rows];
        for (var r = 0; r < rows; r++)
        {
            scales[r] = RowScale(x.AsSpan(r * cols, cols), Int8Max);
            for (var c = 0; c < cols; c++)
            {
                codes[(r * cols) + c] = scales[r] == 0 ? (sbyte)0 : Int8(x[(r * cols) + c], scales[r]);
            }
        }

        return (codes, scales);
    }

    public static sbyte[] Int8Static(float[] x, float scale, int zeroPoint) => x.Select(v => Int8(v, scale, zeroPoint)).ToArray();

    public static (byte[] Codes, float[] Scales) Fp8Dynamic(float[] x, int rows, int cols)
    {
        var codes = new byte[x.Length];
        var scales = new float[rows];
        for (var r = 0; r < rows; r++)
        {
            scales[r] = RowScale(x.AsSpan(r * cols, cols), Fp8Max);
            for (var c = 0; c < cols; c++)
            {
                codes[(r * cols) + c] = scales[r] == 0 ? (byte)0 : NumberFormats.FloatToFp8(x[(r * cols) + c] / scales[r]);
            }
        }

        return (codes, scales);
    }

    public static byte[] Fp8Static(float[] x, float scale) => x.Select(v => NumberFormats.FloatToFp8(v / scale)).ToArray();

    public static double[] Decode(byte[] fp8Codes) => fp8Codes.Select(code => (double)NumberFormats.Fp8ToFloat(code)).ToArray();

    public static double[] Decode(sbyte[] int8Codes) => int8Codes.Select(code => (double)code).ToArray();
}
