using System.Buffers.Binary;
using Qrt.Runtime.Checkpoints;

namespace Qrt.Runtime.Synthesis;

/// <summary>Floats to the stored number formats (BF16, FP8 e4m3fn) and arrays to little-endian bytes.</summary>
internal static class NumberEncoding
{
    // The 127 finite non-negative e4m3fn values in code order (0x00..0x7E); 0x7F is NaN.
    private static readonly float[] PositiveF8 = [.. Enumerable.Range(0, 127).Select(code => TensorDecoding.F8E4M3ToSingle((byte)code))];

    /// <summary>The largest finite e4m3fn value.</summary>
    public const float F8E4M3Max = 448f;

    /// <summary>bfloat16 bits of <paramref name="value" />, rounded to nearest even.</summary>
    public static ushort ToBf16(float value)
    {
        var bits = BitConverter.SingleToUInt32Bits(value);
        return (ushort)((bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16);
    }

    /// <summary><paramref name="value" /> rounded to the nearest bfloat16, as a float.</summary>
    public static float RoundToBf16(float value) => TensorDecoding.Bf16ToSingle(ToBf16(value));

    /// <summary>
    /// The smallest bfloat16 at least <paramref name="value" /> (for a positive scale): quantizing against a scale
    /// rounded up never pushes a weight past the largest code.
    /// </summary>
    public static float Bf16AtLeast(float value)
    {
        var bits = BitConverter.SingleToUInt32Bits(value);
        var truncated = bits & 0xFFFF0000u;
        return BitConverter.UInt32BitsToSingle(truncated == bits ? bits : truncated + 0x10000u);
    }

    /// <summary>e4m3fn bits of <paramref name="value" />: nearest value, ties to the even code, saturating at ±448.</summary>
    public static byte ToF8E4M3(float value)
    {
        var sign = value < 0 || (value == 0 && float.IsNegative(value)) ? (byte)0x80 : (byte)0;
        var magnitude = MathF.Min(MathF.Abs(value), F8E4M3Max);
        var index = Array.BinarySearch(PositiveF8, magnitude);
        if (index < 0)
        {
            var upper = ~index;
            var lower = upper - 1;
            var toLower = magnitude - PositiveF8[lower];
            var toUpper = PositiveF8[upper] - magnitude;
            index = toLower < toUpper || (toLower == toUpper && lower % 2 == 0) ? lower : upper;
        }

        return (byte)(sign | index);
    }

    /// <summary>Floats as little-endian BF16 bytes.</summary>
    public static byte[] Bf16Bytes(ReadOnlySpan<float> values)
    {
        var bytes = new byte[values.Length * 2];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(i * 2), ToBf16(values[i]));
        }

        return bytes;
    }

    /// <summary>Floats as little-endian F32 bytes.</summary>
    public static byte[] F32Bytes(ReadOnlySpan<float> values)
    {
        var bytes = new byte[values.Length * 4];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        }

        return bytes;
    }

    /// <summary>Integers as little-endian I32 bytes.</summary>
    public static byte[] I32Bytes(ReadOnlySpan<int> values)
    {
        var bytes = new byte[values.Length * 4];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(i * 4), values[i]);
        }

        return bytes;
    }

    /// <summary>Integers as little-endian I64 bytes.</summary>
    public static byte[] I64Bytes(ReadOnlySpan<long> values)
    {
        var bytes = new byte[values.Length * 8];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(i * 8), values[i]);
        }

        return bytes;
    }

    /// <summary>Signed bytes as they are stored.</summary>
    public static byte[] I8Bytes(ReadOnlySpan<sbyte> values) => System.Runtime.InteropServices.MemoryMarshal.AsBytes(values).ToArray();
}
