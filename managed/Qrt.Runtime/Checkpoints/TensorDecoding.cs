using System.Buffers.Binary;

namespace Qrt.Runtime.Checkpoints;

/// <summary>
/// Turns stored tensor bytes (little-endian, as safetensors writes them) into values, on any host byte
/// order: BF16, F16, F32 and F8 E4M3 to float, I32 and I64 to integers.
/// </summary>
internal static class TensorDecoding
{
    // E4M3 has only 256 values; a table makes decoding a load and keeps the bit rules in one place.
    private static readonly float[] F8E4M3Table = BuildF8E4M3Table();

    /// <summary>bfloat16 bits to float: they are the upper 16 bits of the binary32.</summary>
    public static float Bf16ToSingle(ushort bits) => BitConverter.Int32BitsToSingle(bits << 16);

    /// <summary>IEEE binary16 bits to float.</summary>
    public static float F16ToSingle(ushort bits) => (float)BitConverter.UInt16BitsToHalf(bits);

    /// <summary>FP8 e4m3fn bits to float.</summary>
    public static float F8E4M3ToSingle(byte bits) => F8E4M3Table[bits];

    /// <summary>Decodes a floating-point tensor's bytes (BF16, F16, F32 or F8_E4M3) into <paramref name="destination" />.</summary>
    public static void ToSingles(SafetensorsDType dtype, ReadOnlySpan<byte> source, Span<float> destination)
    {
        RequireLengths(dtype, source.Length, destination.Length);
        switch (dtype)
        {
            case SafetensorsDType.BF16:
                for (var i = 0; i < destination.Length; i++)
                {
                    destination[i] = Bf16ToSingle(BinaryPrimitives.ReadUInt16LittleEndian(source[(2 * i)..]));
                }

                break;
            case SafetensorsDType.F16:
                for (var i = 0; i < destination.Length; i++)
                {
                    destination[i] = F16ToSingle(BinaryPrimitives.ReadUInt16LittleEndian(source[(2 * i)..]));
                }

                break;
            case SafetensorsDType.F32:
                for (var i = 0; i < destination.Length; i++)
                {
                    destination[i] = BinaryPrimitives.ReadSingleLittleEndian(source[(4 * i)..]);
                }

                break;
            case SafetensorsDType.F8E4M3:
                for (var i = 0; i < destination.Length; i++)
                {
                    destination[i] = F8E4M3Table[source[i]];
                }

                break;
            default:
                throw new ArgumentException($"cannot decode {dtype.FileName()} to float; supported: BF16, F16, F32, F8_E4M3", nameof(dtype));
        }
    }

    /// <summary>Decodes an I32 tensor's bytes.</summary>
    public static void ToInt32s(ReadOnlySpan<byte> source, Span<int> destination)
    {
        RequireLengths(SafetensorsDType.I32, source.Length, destination.Length);
        for (var i = 0; i < destination.Length; i++)
        {
            destination[i] = BinaryPrimitives.ReadInt32LittleEndian(source[(4 * i)..]);
        }
    }

    /// <summary>Decodes an I64 tensor's bytes.</summary>
    public static void ToInt64s(ReadOnlySpan<byte> source, Span<long> destination)
    {
        RequireLengths(SafetensorsDType.I64, source.Length, destination.Length);
        for (var i = 0; i < destination.Length; i++)
        {
            destination[i] = BinaryPrimitives.ReadInt64LittleEndian(source[(8 * i)..]);
        }
    }

    private static void RequireLengths(SafetensorsDType dtype, int sourceBytes, int destinationElements)
    {
        if ((long)destinationElements * dtype.ElementSize() != sourceBytes)
        {
            throw new ArgumentException($"{sourceBytes} bytes of {dtype.FileName()} are not {destinationElements} elements");
        }
    }

    /// <summary>
    /// e4m3fn: 1 sign, 4 exponent (bias 7), 3 mantissa bits. Exponent 0 is subnormal (mantissa × 2^-9);
    /// there are no infinities, and only S.1111.111 (0x7F, 0xFF) is NaN, so 0x7E is the largest finite, 448.
    /// </summary>
    private static float[] BuildF8E4M3Table()
    {
        var table = new float[256];
        for (var bits = 0; bits < 256; bits++)
        {
            var exponent = (bits >> 3) & 0xF;
            var mantissa = bits & 0x7;
            float magnitude = (exponent, mantissa) switch
            {
                (0xF, 0x7) => float.NaN,
                (0, _) => MathF.ScaleB(mantissa, -9),
                _ => MathF.ScaleB(8 + mantissa, exponent - 7 - 3),
            };
            table[bits] = (bits & 0x80) != 0 ? -magnitude : magnitude;
        }

        return table;
    }
}
