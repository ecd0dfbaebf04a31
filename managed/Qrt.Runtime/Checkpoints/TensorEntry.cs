namespace Qrt.Runtime.Checkpoints;

/// <summary>
/// One tensor described by a safetensors header: its name, element type, shape, and where its bytes lie in
/// the file that holds it.
/// </summary>
public sealed class TensorEntry
{
    internal TensorEntry(SafetensorsFile file, string name, SafetensorsDType dtype, long[] shape, long elementCount, long fileOffset, long byteLength)
    {
        File = file;
        Name = name;
        DType = dtype;
        Shape = shape;
        ElementCount = elementCount;
        FileOffset = fileOffset;
        ByteLength = byteLength;
    }

    /// <summary>The file holding the tensor; <see cref="SafetensorsFile.Bytes(TensorEntry)" /> reads it.</summary>
    public SafetensorsFile File { get; }

    /// <summary>The tensor's name ("model.layers.0.self_attn.q_proj.weight").</summary>
    public string Name { get; }

    /// <summary>The element type.</summary>
    public SafetensorsDType DType { get; }

    /// <summary>The shape, outermost dimension first; empty for a scalar.</summary>
    public IReadOnlyList<long> Shape { get; }

    /// <summary>The number of elements (1 for a scalar, 0 when a dimension is 0).</summary>
    public long ElementCount { get; }

    /// <summary>Offset of the first byte from the start of the file (header included).</summary>
    public long FileOffset { get; }

    /// <summary>Number of bytes: <see cref="ElementCount" /> × the element size.</summary>
    public long ByteLength { get; }

    /// <summary>The shape as written in messages: "[4096, 1024]".</summary>
    public string DescribeShape() => TensorShapes.Describe(Shape);

    /// <inheritdoc />
    public override string ToString() => $"{Name} {DType.FileName()} {DescribeShape()}";
}
