using System.Text.Json;

namespace Qrt.Bindings.Generator;

/// <summary>Small helpers for reading clang's JSON AST nodes.</summary>
internal static class ClangJson
{
    public static string? Kind(JsonElement node) => String(node, "kind");

    public static string? String(JsonElement node, string property) =>
        node.ValueKind == JsonValueKind.Object
        && node.TryGetProperty(property, out var value)
        && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    public static bool Bool(JsonElement node, string property) =>
        node.ValueKind == JsonValueKind.Object
        && node.TryGetProperty(property, out var value)
        && value.ValueKind == JsonValueKind.True;

    public static IEnumerable<JsonElement> Inner(JsonElement node) =>
        node.ValueKind == JsonValueKind.Object
        && node.TryGetProperty("inner", out var inner)
        && inner.ValueKind == JsonValueKind.Array
            ? inner.EnumerateArray()
            : [];

    /// <summary>The qualType of a node's "type", i.e. the type as written (typedef names kept).</summary>
    public static string? QualType(JsonElement node) =>
        node.ValueKind == JsonValueKind.Object && node.TryGetProperty("type", out var type)
            ? String(type, "qualType")
            : null;
}
