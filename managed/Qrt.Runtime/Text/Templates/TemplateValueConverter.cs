using System.Collections;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Qrt.Runtime.Text.Templates;

/// <summary>
/// Turns .NET values handed to a template into template values: strings, booleans, integers (as 64-bit), floating
/// point numbers, JSON (JsonElement or JsonNode, numbers read the way Python's json module reads them: "1" an int,
/// "1.0" a float), dictionaries with string keys, and sequences.
/// </summary>
internal static class TemplateValueConverter
{
    public static object? FromDotNet(object? value, string what) => value switch
    {
        null => null,
        string or bool or long or double or Undefined or DictValue or NamespaceValue or ICallable => value,
        List<object?> list => list,
        int or short or sbyte or byte or ushort or uint => Convert.ToInt64(value, CultureInfo.InvariantCulture),
        ulong unsigned => unsigned <= long.MaxValue ? (long)unsigned : (object)(double)unsigned,
        float single => (double)single,
        decimal number => (double)number,
        JsonElement element => FromJson(element),
        JsonNode node => FromJsonNode(node),
        IDictionary<string, object?> dictionary => FromPairs(dictionary, what),
        IReadOnlyDictionary<string, object?> dictionary => FromPairs(dictionary, what),
        IDictionary<string, string> strings => FromPairs(strings.Select(pair => new KeyValuePair<string, object?>(pair.Key, pair.Value)), what),
        IEnumerable sequence => sequence.Cast<object?>().Select(item => FromDotNet(item, what)).ToList(),
        _ => throw new ArgumentException($"{what}: values of type {value.GetType().Name} cannot be passed to a template"),
    };

    public static object? FromJson(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Null:
            case JsonValueKind.Undefined:
                return null;
            case JsonValueKind.True:
                return true;
            case JsonValueKind.False:
                return false;
            case JsonValueKind.String:
                return element.GetString();
            case JsonValueKind.Number:
                var text = element.GetRawText();
                if (text.IndexOfAny(['.', 'e', 'E']) < 0 && element.TryGetInt64(out var integer))
                {
                    return integer;
                }

                return element.GetDouble();
            case JsonValueKind.Array:
                return element.EnumerateArray().Select(FromJson).ToList();
            default:
                var dict = new DictValue();
                foreach (var property in element.EnumerateObject())
                {
                    dict[property.Name] = FromJson(property.Value);
                }

                return dict;
        }
    }

    private static object? FromJsonNode(JsonNode node)
    {
        switch (node)
        {
            case JsonObject obj:
                var dict = new DictValue();
                foreach (var property in obj)
                {
                    dict[property.Key] = property.Value is null ? null : FromJsonNode(property.Value);
                }

                return dict;
            case JsonArray array:
                return array.Select(item => item is null ? null : FromJsonNode(item)).ToList();
            default:
                var value = node.AsValue();
                if (value.TryGetValue<JsonElement>(out var element))
                {
                    return FromJson(element);
                }

                return value.GetValueKind() switch
                {
                    JsonValueKind.String => value.GetValue<string>(),
                    JsonValueKind.True => true,
                    JsonValueKind.False => false,
                    JsonValueKind.Number => NumberFromNode(value),
                    _ => null,
                };
        }
    }

    private static object NumberFromNode(JsonValue value)
    {
        if (value.TryGetValue<long>(out var integer))
        {
            return integer;
        }

        if (value.TryGetValue<int>(out var small))
        {
            return (long)small;
        }

        // Other CLR numbers: read the JSON text back as Python's json module would.
        using var document = JsonDocument.Parse(value.ToJsonString());
        return FromJson(document.RootElement)!;
    }

    private static DictValue FromPairs(IEnumerable<KeyValuePair<string, object?>> pairs, string what)
    {
        var dict = new DictValue();
        foreach (var pair in pairs)
        {
            dict[pair.Key] = FromDotNet(pair.Value, what);
        }

        return dict;
    }
}
