using System.Globalization;
using System.Text;

namespace Qrt.Runtime.Tests.Checkpoints;

/// <summary>One tensor for <see cref="SafetensorsTestFile" />: the dtype as spelled in the file, the shape and the raw bytes.</summary>
internal sealed record TestTensor(string Name, string DType, long[] Shape, byte[] Data);

/// <summary>
/// Writes safetensors files byte by byte, independently of the reader: the header JSON is assembled as text,
/// tensors are laid out one after another, and the raw writers let tests state any header and length at all.
/// </summary>
internal static class SafetensorsTestFile
{
    /// <summary>A well-formed file holding <paramref name="tensors" /> in order; returns the header length.</summary>
    public static int Write(string path, IReadOnlyList<TestTensor> tensors, string? metadataJson = null)
    {
        var entries = new List<string>();
        if (metadataJson is not null)
        {
            entries.Add($"\"__metadata__\":{metadataJson}");
        }

        long offset = 0;
        foreach (var tensor in tensors)
        {
            var shape = string.Join(",", tensor.Shape.Select(dimension => dimension.ToString(CultureInfo.InvariantCulture)));
            entries.Add($"\"{tensor.Name}\":{{\"dtype\":\"{tensor.DType}\",\"shape\":[{shape}],\"data_offsets\":[{offset},{offset + tensor.Data.Length}]}}");
            offset += tensor.Data.Length;
        }

        var data = tensors.SelectMany(tensor => tensor.Data).ToArray();
        return WriteHeader(path, "{" + string.Join(",", entries) + "}", data);
    }

    /// <summary>A file with the given header text (UTF-8, padded with spaces to a multiple of 8 as writers do) and data.</summary>
    public static int WriteHeader(string path, string headerJson, byte[] data)
    {
        var header = Encoding.UTF8.GetBytes(headerJson).ToList();
        while (header.Count % 8 != 0)
        {
            header.Add((byte)' ');
        }

        WriteRaw(path, (ulong)header.Count, [.. header], data);
        return header.Count;
    }

    /// <summary>A file whose length prefix says <paramref name="declaredLength" />, whatever follows.</summary>
    public static void WriteRaw(string path, ulong declaredLength, byte[] header, byte[] data)
    {
        using var stream = File.Create(path);
        for (var i = 0; i < 8; i++)
        {
            stream.WriteByte((byte)(declaredLength >> (8 * i)));
        }

        stream.Write(header);
        stream.Write(data);
    }

    /// <summary>Writes a JSON text file.</summary>
    public static void WriteText(string path, string text) => File.WriteAllText(path, text, new UTF8Encoding(false));

    /// <summary>A byte array 0, 1, 2, ... of <paramref name="length" /> bytes starting at <paramref name="first" />.</summary>
    public static byte[] Counting(int length, byte first = 1) => Enumerable.Range(0, length).Select(i => (byte)(first + i)).ToArray();
}
