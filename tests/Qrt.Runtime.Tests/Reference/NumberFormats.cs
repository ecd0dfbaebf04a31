namespace Qrt.Runtime.Tests.Reference;

/// <summary>
/// The storage formats written from their definitions, independently of libqrt: BF16 by bit manipulation,
/// F16 through <see cref="Half"/>, and FP8 e4m3fn from its value table (encoding picks the nearest
/// representable value, ties to the even code, saturating at ±448).
/// </summary>
internal static class NumberFormats
{
    private static readonly float[] Fp8Values = BuildFp8Table();

    /// <summary>FP8 e4m3fn code → value: bias 7, subnormals below 2^-6, S.1111.111 is NaN.</summary>
    public static float Fp8ToFloat(byte code) => Fp8Values[code];

    /// <summary>Nearest FP8 e4m3fn code to value (ties to the even code); beyond ±448 saturates; NaN → 0x7F.</summary>
    public static byte FloatToFp8(float value)
    {
        if (float.IsNaN(value))
        {
            return 0x7F;
        }

        var best = 0;
        var bestDistance = double.PositiveInfinity;
        for (var code = 0; code < 256; code++)
        {
            var candidate = Fp8Values[code];
            if (float.IsNaN(candidate))
            {
                continue;
            }

            var distance = Math.Abs((double)candidate - value);
            if (distance < bestDistance || (distance == bestDistance && (code & 1) == 0 && float.IsNegative(candidate) == float.IsNegative(value)))
            {
                best = code;
                bestDistance = distance;
            }
        }

        return (byte)best;
    }

    /// <summary>value rounded through FP8 e4m3fn.</summary>
    public static float RoundToFp8(float value) => Fp8ToFloat(FloatToFp8(value));

    /// <summary>BF16 bits of value, rounded to nearest even (NaN stays NaN).</summary>
    public static ushort FloatToBf16(float value)
    {
        var bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value))
        {
            return (ushort)((bits >> 16) | 0x40);
        }

        var lower = bits & 0xFFFF;
        var upper = bits >> 16;
        if (lower > 0x8000 || (lower == 0x8000 && (upper & 1) == 1))
        {
            upper++;
        }

        return (ushort)upper;
    }

    /// <summary>The value of BF16 bits.</summary>
    public static float Bf16ToFloat(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);

    /// <summary>value rounded through BF16.</summary>
    public static float RoundToBf16(float value) => Bf16ToFloat(FloatToBf16(value));

    /// <summary>value rounded through IEEE binary16.</summary>
    public static float RoundToF16(float value) => (float)(Half)value;

    /// <summary>value rounded to the storage precision of dtype (identity for F32).</summary>
    public static float RoundTo(DType dtype, float value) => dtype switch
    {
        DType.F32 => value,
        DType.F16 => RoundToF16(value),
        DType.BF16 => RoundToBf16(value),
        DType.F8E4M3 => RoundToFp8(value),
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "not a floating-point dtype"),
    };

    /// <summary>Relative size of one unit in the last place of dtype near 1 (2^-mantissa bits).</summary>
    public static double UnitRoundoff(DType dtype) => dtype switch
    {
        DType.F32 => Math.Pow(2, -24),
        DType.F16 => Math.Pow(2, -11),
        DType.BF16 => Math.Pow(2, -8),
        DType.F8E4M3 => Math.Pow(2, -4),
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "not a floating-point dtype"),
    };

    private static float[] BuildFp8Table()
    {
        var values = new float[256];
        for (var code = 0; code < 256; code++)
        {
            var sign = (code & 0x80) != 0 ? -1.0 : 1.0;
            var exponent = (code >> 3) & 0xF;
            var mantissa = code & 0x7;
            double magnitude = exponent == 0xF && mantissa == 0x7
                ? double.NaN
                : exponent == 0
                    ? mantissa / 8.0 * Math.Pow(2, -6)
                    : (1 + (mantissa / 8.0)) * Math.Pow(2, exponent - 7);
            values[code] = (float)(sign * magnitude);
        }

        return values;
    }
}
