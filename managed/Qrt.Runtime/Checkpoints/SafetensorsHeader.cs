using System.Buffers;
using System.Text.Json;

namespace Qrt.Runtime.Checkpoints;

/// <summary>A tensor entry of a header once it has been checked; offsets are relative to the data section.</summary>
internal readonly record struct HeaderTensor(string Name, SafetensorsDType DType, long[] Shape, long ElementCount, long Begin, long End);

/// <summary>
/// Parses and checks the JSON header of a safetensors file: a UTF-8 JSON object whose optional
/// "__metadata__" maps strings to strings and whose every other entry is
/// {"dtype", "shape", "data_offsets": [begin, end]} with offsets relative to the data section after the header.
/// Every promise the header makes about the data section is checked here, so reading a tensor's bytes later
/// cannot leave the file or alias another tensor.
/// </summary>
internal static class SafetensorsHeader
{
    /// <summary>The name of the optional string-to-string entry.</summary>
    public const string MetadataKey = "__metadata__";

    private static readonly JsonDocumentOptions Options = new()
    {
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
        MaxDepth = 64,
    };

    /// <summary>Checks <paramref name="header" /> against a data section of <paramref name="dataLength" /> bytes.</summary>
    public static (IReadOnlyDictionary<string, string> Metadata, List<HeaderTensor> Tensors) Parse(string path, ReadOnlySpan<byte> header, long dataLength)
    {
        RequireUtf8(path, header);

        // JsonDocument needs memory it can keep; the header is at most the format's 100 MB bound.
        using var document = ParseJson(path, header.ToArray());
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new ModelFileException(path, $"the header must be a JSON object; found {root.ValueKind}");
        }

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var tensors = new List<HeaderTensor>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in root.EnumerateObject())
        {
            if (!seen.Add(property.Name))
            {
                throw new ModelFileException(path, $"the header names '{property.Name}' twice");
            }

            if (property.Name == MetadataKey)
            {
                ReadMetadata(path, property.Value, metadata);
            }
            else
            {
                tensors.Add(ReadTensor(path, property.Name, property.Value, dataLength));
            }
        }

        RequireNoOverlap(path, tensors);
        return (metadata, tensors);
    }

    private static void RequireUtf8(string path, ReadOnlySpan<byte> header)
    {
        Span<char> scratch = stackalloc char[256];
        var consumed = 0;
        while (consumed < header.Length)
        {
            var status = System.Text.Unicode.Utf8.ToUtf16(header[consumed..], scratch, out var read, out _, replaceInvalidSequences: false);
            consumed += read;
            if (status is OperationStatus.InvalidData or OperationStatus.NeedMoreData)
            {
                throw new ModelFileException(path, $"the header is not valid UTF-8 (bad byte 0x{header[consumed]:X2} at header byte {consumed})");
            }
        }
    }

    private static JsonDocument ParseJson(string path, byte[] header)
    {
        try
        {
            return JsonDocument.Parse(header, Options);
        }
        catch (JsonException exception)
        {
            var where = exception.LineNumber is { } line ? $" at line {line + 1}, byte {exception.BytePositionInLine + 1}" : string.Empty;
            throw new ModelFileException(path, $"the header is not valid JSON{where}: {exception.Message}", exception);
        }
    }

    private static void ReadMetadata(string path, JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return;
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new ModelFileException(path, $"'{MetadataKey}' must be an object of strings; found {value.ValueKind}");
        }

        foreach (var entry in value.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String)
            {
                throw new ModelFileException(path, $"'{MetadataKey}.{entry.Name}' must be a string; found {entry.Value.ValueKind}");
            }

            metadata[entry.Name] = entry.Value.GetString()!;
        }
    }

    private static HeaderTensor ReadTensor(string path, string name, JsonElement value, long dataLength)
    {
        ModelFileException Error(string problem) => new(path, $"tensor '{name}': {problem}");

        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Error($"must be an object with dtype, shape and data_offsets; found {value.ValueKind}");
        }

        var dtypeName = Required(value, "dtype", JsonValueKind.String, Error).GetString()!;
        if (!SafetensorsDTypes.TryParse(dtypeName, out var dtype))
        {
            throw Error($"unknown dtype '{dtypeName}'; known: {SafetensorsDTypes.KnownNames}");
        }

        var shape = Integers(Required(value, "shape", JsonValueKind.Array, Error), "shape", Error);
        var offsets = Integers(Required(value, "data_offsets", JsonValueKind.Array, Error), "data_offsets", Error);
        if (offsets.Length != 2)
        {
            throw Error($"data_offsets must be [begin, end]; found {offsets.Length} numbers");
        }

        var (begin, end) = (offsets[0], offsets[1]);
        if (begin > end)
        {
            throw Error($"data_offsets [{begin}, {end}] are reversed (begin after end)");
        }

        if (end > dataLength)
        {
            throw Error($"data_offsets [{begin}, {end}] run past the data section, which holds {dataLength} bytes");
        }

        var elements = TensorShapes.TryElementCount(shape);
        long? bytes = null;
        if (elements is { } count)
        {
            try
            {
                bytes = checked(count * dtype.ElementSize());
            }
            catch (OverflowException)
            {
            }
        }

        if (bytes is null)
        {
            throw Error($"shape {TensorShapes.Describe(shape)} has more bytes than fit in 64 bits");
        }

        if (bytes != end - begin)
        {
            throw Error($"shape {TensorShapes.Describe(shape)} of {dtypeName} needs {elements} × {dtype.ElementSize()} = {bytes} bytes but data_offsets [{begin}, {end}] span {end - begin}");
        }

        return new HeaderTensor(name, dtype, shape, elements!.Value, begin, end);
    }

    private static JsonElement Required(JsonElement entry, string key, JsonValueKind kind, Func<string, ModelFileException> error)
    {
        if (!entry.TryGetProperty(key, out var value))
        {
            throw error($"'{key}' is missing");
        }

        return value.ValueKind == kind ? value : throw error($"'{key}' must be a JSON {kind}; found {value.ValueKind}");
    }

    private static long[] Integers(JsonElement array, string key, Func<string, ModelFileException> error)
    {
        var values = new long[array.GetArrayLength()];
        var index = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out var value))
            {
                var found = item.ValueKind == JsonValueKind.Number ? item.GetRawText() : item.ValueKind.ToString();
                throw error($"{key}[{index}] must be a non-negative integer; found {found}");
            }

            if (value < 0)
            {
                throw error($"{key}[{index}] must be a non-negative integer; found {value}");
            }

            values[index++] = value;
        }

        return values;
    }

    /// <summary>
    /// Two tensors must not share a byte. Empty tensors own no bytes, so they cannot overlap; gaps between
    /// tensors are harmless and allowed.
    /// </summary>
    private static void RequireNoOverlap(string path, List<HeaderTensor> tensors)
    {
        var occupied = tensors.Where(tensor => tensor.End > tensor.Begin).OrderBy(tensor => tensor.Begin).ThenBy(tensor => tensor.End).ToList();
        for (var i = 1; i < occupied.Count; i++)
        {
            var (previous, current) = (occupied[i - 1], occupied[i]);
            if (current.Begin < previous.End)
            {
                throw new ModelFileException(
                    path,
                    $"tensors '{previous.Name}' (data_offsets [{previous.Begin}, {previous.End}]) and '{current.Name}' (data_offsets [{current.Begin}, {current.End}]) overlap");
            }
        }
    }
}
