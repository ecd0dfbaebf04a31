using System.Text.Json;

namespace Qrt.Runtime.Json;

/// <summary>
/// A JSON value inside tokenizer.json together with its path ("pre_tokenizer.pretokenizers[1]"), so every
/// complaint about the file names the file and the exact entry.
/// </summary>
internal readonly struct JsonSection(string file, string path, JsonElement element)
{
    public string File { get; } = file;

    public string Path { get; } = path;

    public JsonElement Element { get; } = element;

    public JsonValueKind Kind => Element.ValueKind;

    public bool IsNull => Element.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined;

    /// <summary>An error about this entry.</summary>
    public ModelFileException Error(string problem) =>
        new(File, Path.Length == 0 ? problem : $"'{Path}': {problem}");

    /// <summary>An error about property <paramref name="name" /> of this entry.</summary>
    public ModelFileException Error(string name, string problem) => Child(name, default).Error(problem);

    /// <summary>The property <paramref name="name" />; Undefined (IsNull) when absent.</summary>
    public JsonSection Property(string name)
    {
        if (Element.ValueKind != JsonValueKind.Object)
        {
            throw Error($"must be a JSON object; found {Element.ValueKind}");
        }

        return Child(name, Element.TryGetProperty(name, out var value) ? value : default);
    }

    /// <summary>The property <paramref name="name" />, which must be present and not null.</summary>
    public JsonSection RequiredProperty(string name)
    {
        var property = Property(name);
        return property.IsNull ? throw Error(name, "is missing") : property;
    }

    /// <summary>The object's "type" discriminator.</summary>
    public string TypeName() => RequiredProperty("type").AsString();

    public string AsString() =>
        Element.ValueKind == JsonValueKind.String ? Element.GetString()! : throw Error($"must be a string; found {Element.ValueKind}");

    public int AsInt()
    {
        if (Element.ValueKind == JsonValueKind.Number && Element.TryGetInt32(out var value))
        {
            return value;
        }

        throw Error($"must be a 32-bit integer; found {Describe()}");
    }

    public double AsDouble() =>
        Element.ValueKind == JsonValueKind.Number && Element.TryGetDouble(out var value)
            ? value
            : throw Error($"must be a number; found {Describe()}");

    public bool AsBool() => Element.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw Error($"must be true or false; found {Element.ValueKind}"),
    };

    public string? OptionalString(string name)
    {
        var property = Property(name);
        return property.IsNull ? null : property.AsString();
    }

    public bool OptionalBool(string name, bool fallback) => OptionalBool(name) ?? fallback;

    /// <summary>The boolean <paramref name="name" />, or null when absent or null.</summary>
    public bool? OptionalBool(string name)
    {
        var property = Property(name);
        return property.IsNull ? null : property.AsBool();
    }

    public int? OptionalInt(string name, int? fallback = null)
    {
        var property = Property(name);
        return property.IsNull ? fallback : property.AsInt();
    }

    public double? OptionalDouble(string name, double? fallback = null)
    {
        var property = Property(name);
        return property.IsNull ? fallback : property.AsDouble();
    }

    /// <summary>The elements of this array.</summary>
    public IEnumerable<JsonSection> Items()
    {
        if (Element.ValueKind != JsonValueKind.Array)
        {
            throw Error($"must be a JSON array; found {Element.ValueKind}");
        }

        var file = File;
        var path = Path;
        return Element.EnumerateArray().Select((item, index) => new JsonSection(file, $"{path}[{index}]", item));
    }

    /// <summary>The properties of this object, in file order.</summary>
    public IEnumerable<(string Name, JsonSection Value)> Properties()
    {
        if (Element.ValueKind != JsonValueKind.Object)
        {
            throw Error($"must be a JSON object; found {Element.ValueKind}");
        }

        var self = this;
        return Element.EnumerateObject().Select(property => (property.Name, self.Child(property.Name, property.Value)));
    }

    private JsonSection Child(string name, JsonElement value) =>
        new(File, Path.Length == 0 ? name : $"{Path}.{name}", value);

    private string Describe() => Element.ValueKind == JsonValueKind.Number ? Element.GetRawText() : Element.ValueKind.ToString();
}
