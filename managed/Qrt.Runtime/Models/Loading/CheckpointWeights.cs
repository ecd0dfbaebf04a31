using System.Globalization;
using Qrt.Runtime.Checkpoints;

namespace Qrt.Runtime.Models.Loading;

/// <summary>
/// Reads tensors of a checked checkpoint onto a device, reporting progress and counting the bytes the loaded
/// weights occupy. Tensors keep their stored type unless a caller asks for a conversion (scales and zero points
/// the kernels want as F32 or I32).
/// </summary>
internal sealed class CheckpointWeights(
    SafetensorsCheckpoint checkpoint, Device device, IProgress<ModelLoadProgress>? progress, CancellationToken cancellationToken)
{
    // Large tensors are copied in slices: a span addresses at most 2 GiB, and progress moves while they load.
    private const int SliceBytes = 64 << 20;

    private long _bytesRead;

    /// <summary>The checkpoint the tensors come from.</summary>
    public SafetensorsCheckpoint Checkpoint => checkpoint;

    /// <summary>The device the tensors are loaded onto.</summary>
    public Device Device => device;

    /// <summary>Bytes of the loaded tensors on the device.</summary>
    public long BytesInMemory { get; private set; }

    /// <summary>Whether the checkpoint holds <paramref name="name"/>.</summary>
    public bool Contains(string name) => checkpoint.Contains(name);

    /// <summary>The entry of a tensor the plan has already checked.</summary>
    public TensorEntry Entry(string name) => checkpoint.Get(name);

    /// <summary>Loads <paramref name="name"/> as stored: same element type, same shape.</summary>
    public QrtTensor Load(string name)
    {
        var entry = checkpoint.Get(name);
        if (!entry.DType.TryGetRuntimeDType(out var dtype))
        {
            throw new ModelFileException(entry.File.Path, $"tensor '{name}' has dtype {entry.DType.FileName()}, which no kernel reads");
        }

        var tensor = QrtTensor.Empty(dtype, [.. entry.Shape], device);
        try
        {
            using var flat = tensor.Reshape([tensor.ElementCount]);
            var elementSize = dtype.ElementSize();
            var perSlice = SliceBytes / elementSize;
            for (long first = 0; first < tensor.ElementCount; first += perSlice)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var count = (int)Math.Min(perSlice, tensor.ElementCount - first);
                using var slice = flat.Slice(0, first, count);
                Transfer.Upload(entry.File.Bytes(entry, first * elementSize, count * elementSize), slice);
                Advance(count * (long)elementSize, name);
            }

            BytesInMemory += entry.ByteLength;
            return tensor;
        }
        catch
        {
            tensor.Dispose();
            throw;
        }
    }

    /// <summary>Loads a small floating-point tensor converted to F32, shaped <paramref name="shape"/> (same element count).</summary>
    public QrtTensor LoadSingles(string name, long[] shape)
    {
        var entry = checkpoint.Get(name);
        var values = new float[entry.ElementCount];
        TensorDecoding.ToSingles(entry.DType, entry.File.Bytes(entry), values);
        return Small(QrtTensor.FromData<float>(values, DType.F32, shape, device), entry);
    }

    /// <summary>Loads a small integer tensor (I8, I32 or I64) converted to I32, shaped <paramref name="shape"/>.</summary>
    public QrtTensor LoadInt32s(string name, long[] shape)
    {
        var entry = checkpoint.Get(name);
        var values = ReadInt64s(entry);
        var narrowed = new int[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            if (values[i] is < int.MinValue or > int.MaxValue)
            {
                throw new ModelFileException(entry.File.Path, string.Create(CultureInfo.InvariantCulture, $"tensor '{name}' element {i} is {values[i]}, outside the 32-bit range"));
            }

            narrowed[i] = (int)values[i];
        }

        return Small(QrtTensor.FromData<int>(narrowed, DType.I32, shape, device), entry);
    }

    /// <summary>The values of a small integer tensor (I8, I32 or I64), read on the host.</summary>
    public static long[] ReadInt64s(TensorEntry entry)
    {
        var bytes = entry.File.Bytes(entry);
        var values = new long[entry.ElementCount];
        switch (entry.DType)
        {
            case SafetensorsDType.I8:
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = (sbyte)bytes[i];
                }

                break;
            case SafetensorsDType.I32:
                var ints = new int[values.Length];
                TensorDecoding.ToInt32s(bytes, ints);
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = ints[i];
                }

                break;
            case SafetensorsDType.I64:
                TensorDecoding.ToInt64s(bytes, values);
                break;
            default:
                throw new ModelFileException(entry.File.Path, $"tensor '{entry.Name}' must hold integers; found {entry.DType.FileName()}");
        }

        return values;
    }

    /// <summary>Reports the end of loading.</summary>
    public void Finish() => progress?.Report(new ModelLoadProgress(_bytesRead, checkpoint.TotalTensorBytes, null));

    private QrtTensor Small(QrtTensor tensor, TensorEntry entry)
    {
        BytesInMemory += tensor.ElementCount * tensor.DType.ElementSize();
        Advance(entry.ByteLength, entry.Name);
        return tensor;
    }

    private void Advance(long bytes, string name)
    {
        _bytesRead += bytes;
        progress?.Report(new ModelLoadProgress(_bytesRead, checkpoint.TotalTensorBytes, name));
    }
}
