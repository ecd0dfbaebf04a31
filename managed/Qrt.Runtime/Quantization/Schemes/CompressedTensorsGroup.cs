using Qrt.Runtime.Json;

namespace Qrt.Runtime.Quantization.Schemes;

/// <summary>
/// One entry of compressed-tensors' <c>config_groups</c>: the modules it targets and how they are quantized.
/// <see cref="Scheme" /> is null when Qrt cannot run the combination; the error is raised only for a layer that
/// actually uses the group.
/// </summary>
internal sealed record CompressedTensorsGroup(
    JsonSection Section,
    IReadOnlyList<ModuleNamePattern> Targets,
    QuantizationArguments? Weights,
    QuantizationArguments? InputActivations,
    string Format,
    LinearScheme? Scheme)
{
    /// <summary>Reads a group; <paramref name="globalFormat" /> applies unless the group has its own format.</summary>
    public static CompressedTensorsGroup Read(JsonSection section, string? globalFormat)
    {
        var targets = section.RequiredProperty("targets").Items().Select(ReadPattern).ToList();
        var weights = ReadArguments(section.Property("weights"));
        var input = ReadArguments(section.Property("input_activations"));
        if (!section.Property("output_activations").IsNull)
        {
            throw section.Error("output_activations", "output activation quantization is not supported; expected null or absent");
        }

        var format = section.OptionalString("format") ?? globalFormat ?? "none";
        return new CompressedTensorsGroup(section, targets, weights, input, format, CompressedTensorsSchemeMapper.Map(weights, input, format));
    }

    /// <summary>Parses a target or ignore entry, rejecting a regex .NET cannot compile.</summary>
    public static ModuleNamePattern ReadPattern(JsonSection entry)
    {
        var text = entry.AsString();
        return ModuleNamePattern.TryParse(text, out var problem) ?? throw entry.Error($"\"{text}\" is not a valid regular expression: {problem}");
    }

    /// <summary>How the group reads in a message: "weights 3-bit int group 64, input activations none, format pack-quantized".</summary>
    public string Describe() =>
        $"weights {Weights?.Describe() ?? "none"}, input activations {InputActivations?.Describe() ?? "none"}, format {Format}";

    private static QuantizationArguments? ReadArguments(JsonSection section) => section.IsNull ? null : QuantizationArguments.Read(section);
}
