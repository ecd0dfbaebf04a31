using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Qrt.Runtime.Checkpoints;

namespace Qrt.Runtime.Synthesis;

/// <summary>A tensor to write: name, stored type and shape (its byte length follows from them).</summary>
internal sealed record SafetensorsTensorInfo(string Name, SafetensorsDType DType, IReadOnlyList<long> Shape)
{
    /// <summary>Element count × element size.</summary>
    public long ByteLength => Shape.Aggregate(1L, (product, dimension) => product * dimension) * DType.ElementSize();
}

/// <summary>
/// Writes a safetensors file as a stream: the 8-byte little-endian header length, the JSON header (tensors in
/// name order with data_offsets computed up front, <c>__metadata__</c> {"format": "pt"}, padded with spaces to a
/// multiple of 8 so the data section is aligned), then each tensor's bytes in the same order, asked for one at a
/// time so only one tensor need be in memory.
/// </summary>
internal static class SafetensorsWriter
{
    /// <summary>
    /// Writes <paramref name="tensors" /> to <paramref name="path" />; <paramref name="bytesOf" /> gives each
    /// tensor's data when its turn comes, which must be exactly its <see cref="SafetensorsTensorInfo.ByteLength" />.
    /// Returns the file's length.
    /// </summary>
    public static long Write(string path, IReadOnlyList<SafetensorsTensorInfo> tensors, Func<SafetensorsTensorInfo, ReadOnlyMemory<byte>> bytesOf)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentNullException.ThrowIfNull(bytesOf);
        var ordered = tensors.OrderBy(tensor => tensor.Name, StringComparer.Ordinal).ToList();
        for (var i = 1; i < ordered.Count; i++)
        {
            if (ordered[i].Name == ordered[i - 1].Name)
            {
                throw new ArgumentException($"Tensor '{ordered[i].Name}' is listed twice.", nameof(tensors));
            }
        }

        var header = Header(ordered);
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        stream.Write(length);
        stream.Write(header);
        foreach (var tensor in ordered)
        {
            var data = bytesOf(tensor);
            if (data.Length != tensor.ByteLength)
            {
                throw new InvalidOperationException($"Tensor '{tensor.Name}' came with {data.Length} bytes; its dtype and shape need {tensor.ByteLength}.");
            }

            stream.Write(data.Span);
        }

        return stream.Length;
    }

    /// <summary>The header bytes, space-padded to a multiple of 8.</summary>
    public static byte[] Header(IReadOnlyList<SafetensorsTensorInfo> ordered)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("__metadata__");
            writer.WriteString("format", "pt");
            writer.WriteEndObject();
            long offset = 0;
            foreach (var tensor in ordered)
            {
                writer.WriteStartObject(tensor.Name);
                writer.WriteString("dtype", tensor.DType.FileName());
                writer.WriteStartArray("shape");
                foreach (var dimension in tensor.Shape)
                {
                    writer.WriteNumberValue(dimension);
                }

                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(offset);
                writer.WriteNumberValue(offset + tensor.ByteLength);
                writer.WriteEndArray();
                writer.WriteEndObject();
                offset += tensor.ByteLength;
            }

            writer.WriteEndObject();
        }

        var json = buffer.ToArray();
        var padded = (json.Length + 7) / 8 * 8;
        var header = new byte[padded];
        json.CopyTo(header, 0);
        header.AsSpan(json.Length).Fill((byte)' ');
        return header;
    }

    /// <summary>The header as text, for messages and tests.</summary>
    internal static string HeaderText(IReadOnlyList<SafetensorsTensorInfo> ordered) => Encoding.UTF8.GetString(Header(ordered));
}
