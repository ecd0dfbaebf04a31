using System.Text.Json;
using Qrt.Runtime.Models.Configuration;
using Qrt.Runtime.Json;

namespace Qrt.Runtime.Quantization.Schemes;

/// <summary>
/// One compressed-tensors QuantizationArgs entry (<c>weights</c> or <c>input_activations</c>) as written, before
/// deciding whether Qrt can run it. Strings are kept verbatim so an unsupported value can be reported as found.
/// </summary>
internal sealed record QuantizationArguments(
    int Bits,
    string Type,
    bool Symmetric,
    string? Strategy,
    int? GroupSize,
    string? ActOrder,
    string Dynamic)
{
    /// <summary>Reads a QuantizationArgs object with compressed-tensors' defaults (8-bit int, symmetric, static).</summary>
    public static QuantizationArguments Read(JsonSection section)
    {
        var bits = section.PositiveInt("num_bits", 8);
        var type = section.OptionalString("type") ?? "int";
        var groupSize = section.Property("group_size").IsNull ? (int?)null : section.AsGroupSize();
        var strategy = section.OptionalString("strategy");

        // compressed-tensors infers the strategy when absent: group when a group size is given, else tensor.
        strategy ??= groupSize is > 0 ? "group" : groupSize == -1 ? "channel" : "tensor";
        return new QuantizationArguments(bits, type, section.OptionalBool("symmetric", true), strategy, groupSize, ReadActOrder(section), ReadDynamic(section));
    }

    /// <summary>Whether activations are quantized at run time.</summary>
    public bool IsDynamic => Dynamic == "true";

    /// <summary>How this entry reads in a message: "3-bit int group 64 asymmetric".</summary>
    public string Describe()
    {
        var group = Strategy == "group" && GroupSize is { } size ? $" {size}" : string.Empty;
        var symmetric = Symmetric ? string.Empty : " asymmetric";
        var dynamic = Dynamic == "false" ? string.Empty : Dynamic == "true" ? " dynamic" : $" dynamic={Dynamic}";
        var actOrder = ActOrder is null ? string.Empty : $" actorder {ActOrder}";
        return $"{Bits}-bit {Type} {Strategy}{group}{symmetric}{dynamic}{actOrder}";
    }

    /// <summary>
    /// actorder as compressed-tensors normalizes it: true is "group", false or null none, and the aliases
    /// "dynamic" and "static" mean "group" and "weight".
    /// </summary>
    private static string? ReadActOrder(JsonSection section)
    {
        var property = section.Property("actorder");
        if (property.IsNull)
        {
            return null;
        }

        if (property.Kind is JsonValueKind.True or JsonValueKind.False)
        {
            return property.AsBool() ? "group" : null;
        }

        var value = property.AsString();
        return value switch
        {
            "group" or "dynamic" => "group",
            "weight" or "static" => "weight",
            _ => throw property.Error($"must be null, true, false, \"group\" or \"weight\"; found \"{value}\""),
        };
    }

    /// <summary>dynamic as text: "true", "false", or a string value such as "local" (kept to report it).</summary>
    private static string ReadDynamic(JsonSection section)
    {
        var property = section.Property("dynamic");
        return property.IsNull ? "false"
            : property.Kind is JsonValueKind.True or JsonValueKind.False ? (property.AsBool() ? "true" : "false")
            : property.AsString();
    }
}

/// <summary>Reading group_size, where -1 is compressed-tensors' spelling of "one group per channel".</summary>
internal static class GroupSizeValue
{
    /// <summary>The group size: positive, or -1.</summary>
    public static int AsGroupSize(this JsonSection section)
    {
        var value = section.Property("group_size").AsInt();
        return value > 0 || value == -1
            ? value
            : throw section.Error("group_size", $"must be a positive integer or -1; found {value}");
    }
}
