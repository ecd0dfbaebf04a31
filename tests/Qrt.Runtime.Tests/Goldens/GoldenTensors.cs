using Qrt.Runtime.Checkpoints;

namespace Qrt.Runtime.Tests.Goldens;

/// <summary>
/// The tensors of a golden's tensors.safetensors, read once: FP32 ones as floats, U8 ones (decoded image pixels) as
/// bytes, each with its shape.
/// </summary>
internal sealed class GoldenTensors
{
    private readonly Dictionary<string, (int[] Shape, float[]? Floats, byte[]? Bytes)> _tensors = new(StringComparer.Ordinal);

    public GoldenTensors(string path)
    {
        using var file = SafetensorsFile.Open(path);
        foreach (var entry in file.Tensors)
        {
            var shape = entry.Shape.Select(d => checked((int)d)).ToArray();
            if (entry.DType == SafetensorsDType.U8)
            {
                _tensors[entry.Name] = (shape, null, file.Bytes(entry).ToArray());
            }
            else
            {
                var values = new float[checked((int)entry.ElementCount)];
                TensorDecoding.ToSingles(entry.DType, file.Bytes(entry), values);
                _tensors[entry.Name] = (shape, values, null);
            }
        }
    }

    /// <summary>Whether a tensor of that name exists.</summary>
    public bool Contains(string name) => _tensors.ContainsKey(name);

    /// <summary>The shape of <paramref name="name" />.</summary>
    public int[] Shape(string name) => Get(name).Shape;

    /// <summary>The values of the floating-point tensor <paramref name="name" />, row-major.</summary>
    public float[] Floats(string name) => Get(name).Floats ?? throw new InvalidDataException($"golden tensor '{name}' is not a float tensor");

    /// <summary>The values of the U8 tensor <paramref name="name" />, row-major.</summary>
    public byte[] Bytes(string name) => Get(name).Bytes ?? throw new InvalidDataException($"golden tensor '{name}' is not a U8 tensor");

    /// <summary>Row <paramref name="row" /> of the two-dimensional float tensor <paramref name="name" />.</summary>
    public float[] Row(string name, int row)
    {
        var (shape, _, _) = Get(name);
        return Floats(name).AsSpan(row * shape[1], shape[1]).ToArray();
    }

    private (int[] Shape, float[]? Floats, byte[]? Bytes) Get(string name) =>
        _tensors.TryGetValue(name, out var tensor) ? tensor : throw new KeyNotFoundException($"the golden has no tensor '{name}'");
}
