using System.Buffers.Binary;
using Qrt.Runtime.Checkpoints;
using Qrt.Runtime.Tests.Reference;

namespace Qrt.Runtime.Tests.Models.Reference;

/// <summary>
/// Tensor values straight from a checkpoint's bytes, decoded by the test's own code (little-endian integers,
/// BF16 by shifting, FP8 through <see cref="NumberFormats"/>), independent of the runtime's loading path.
/// </summary>
internal static class CheckpointValues
{
    public static double[] Floats(SafetensorsCheckpoint checkpoint, string name)
    {
        var entry = checkpoint.Get(name);
        var bytes = SafetensorsCheckpoint.Bytes(entry);
        var values = new double[entry.ElementCount];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = entry.DType switch
            {
                SafetensorsDType.F32 => BinaryPrimitives.ReadSingleLittleEndian(bytes[(4 * i)..]),
                SafetensorsDType.BF16 => NumberFormats.Bf16ToFloat(BinaryPrimitives.ReadUInt16LittleEndian(bytes[(2 * i)..])),
                SafetensorsDType.F16 => (float)BinaryPrimitives.ReadHalfLittleEndian(bytes[(2 * i)..]),
                SafetensorsDType.F8E4M3 => NumberFormats.Fp8ToFloat(bytes[i]),
                SafetensorsDType.I8 => (sbyte)bytes[i],
                _ => throw new ArgumentException($"{name}: {entry.DType} is not a float type here"),
            };
        }

        return values;
    }

    public static int[] Ints(SafetensorsCheckpoint checkpoint, string name)
    {
        var entry = checkpoint.Get(name);
        var bytes = SafetensorsCheckpoint.Bytes(entry);
        var values = new int[entry.ElementCount];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = entry.DType switch
            {
                SafetensorsDType.I8 => (sbyte)bytes[i],
                SafetensorsDType.I32 => BinaryPrimitives.ReadInt32LittleEndian(bytes[(4 * i)..]),
                SafetensorsDType.I64 => checked((int)BinaryPrimitives.ReadInt64LittleEndian(bytes[(8 * i)..])),
                _ => throw new ArgumentException($"{name}: {entry.DType} is not an integer type"),
            };
        }

        return values;
    }
}
