using System.Text.Encodings.Web;
using System.Text.Json;

namespace Qrt.Runtime.Synthesis;

/// <summary>
/// A JSON object built key by key and written with its keys sorted, as transformers saves configs
/// (json.dumps with sort_keys and an indent of 2).
/// </summary>
internal sealed class JsonEntries
{
    private static readonly JsonWriterOptions Options = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly SortedDictionary<string, Action<Utf8JsonWriter>> _entries = new(StringComparer.Ordinal);

    /// <summary>Sets <paramref name="key" /> to what <paramref name="value" /> writes.</summary>
    public JsonEntries Set(string key, Action<Utf8JsonWriter> value)
    {
        _entries[key] = value;
        return this;
    }

    /// <summary>A string value.</summary>
    public JsonEntries Set(string key, string? value) => Set(key, writer => WriteString(writer, value));

    /// <summary>An integer value.</summary>
    public JsonEntries Set(string key, long value) => Set(key, writer => writer.WriteNumberValue(value));

    /// <summary>
    /// A floating-point value, spelled as Python's json.dumps spells it ("0.0", "1e-05", "500000.0"): transformers'
    /// strict config classes reject an integer where a float is declared, so 0.0 must not be written as 0.
    /// </summary>
    public JsonEntries Set(string key, double value) => Set(key, writer => WriteFloat(writer, value));

    /// <summary>A boolean value.</summary>
    public JsonEntries Set(string key, bool value) => Set(key, writer => writer.WriteBooleanValue(value));

    /// <summary>A nested object.</summary>
    public JsonEntries Set(string key, JsonEntries value) => Set(key, value.WriteValue);

    /// <summary>null.</summary>
    public JsonEntries SetNull(string key) => Set(key, writer => writer.WriteNullValue());

    /// <summary>A list of strings.</summary>
    public JsonEntries Set(string key, IEnumerable<string> values) => Set(key, writer =>
    {
        writer.WriteStartArray();
        foreach (var value in values)
        {
            writer.WriteStringValue(value);
        }

        writer.WriteEndArray();
    });

    /// <summary>A list of integers.</summary>
    public JsonEntries SetInts(string key, IReadOnlyList<int> values) => Set(key, writer =>
    {
        writer.WriteStartArray();
        foreach (var value in values)
        {
            writer.WriteNumberValue(value);
        }

        writer.WriteEndArray();
    });

    /// <summary>A list of numbers.</summary>
    public JsonEntries SetNumbers(string key, IReadOnlyList<double> values) => Set(key, writer =>
    {
        writer.WriteStartArray();
        foreach (var value in values)
        {
            WriteFloat(writer, value);
        }

        writer.WriteEndArray();
    });

    /// <summary>Removes <paramref name="key" /> if present.</summary>
    public JsonEntries Remove(string key)
    {
        _entries.Remove(key);
        return this;
    }

    /// <summary>One integer, or a list when there are several (as eos_token_id is written).</summary>
    public JsonEntries SetIdOrIds(string key, IReadOnlyList<int> ids) => ids.Count == 1 ? Set(key, ids[0]) : Set(key, writer =>
    {
        writer.WriteStartArray();
        foreach (var id in ids)
        {
            writer.WriteNumberValue(id);
        }

        writer.WriteEndArray();
    });

    private static void WriteFloat(Utf8JsonWriter writer, double value)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "JSON has no spelling for a non-finite number.");
        }

        writer.WriteRawValue(Text.Templates.PythonText.FloatRepr(value));
    }

    /// <summary>Writes the object as a value.</summary>
    public void WriteValue(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        foreach (var (key, value) in _entries)
        {
            writer.WritePropertyName(key);
            value(writer);
        }

        writer.WriteEndObject();
    }

    /// <summary>Writes the object to <paramref name="path" /> with a final newline.</summary>
    public void WriteFile(string path)
    {
        using var stream = File.Create(path);
        using (var writer = new Utf8JsonWriter(stream, Options))
        {
            WriteValue(writer);
        }

        stream.WriteByte((byte)'\n');
    }

    private static void WriteString(Utf8JsonWriter writer, string? value)
    {
        if (value is null)
        {
            writer.WriteNullValue();
        }
        else
        {
            writer.WriteStringValue(value);
        }
    }
}
