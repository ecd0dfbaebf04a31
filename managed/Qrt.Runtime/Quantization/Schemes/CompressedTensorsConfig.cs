using Qrt.Runtime.Json;

namespace Qrt.Runtime.Quantization.Schemes;

/// <summary>
/// <c>quant_method: "compressed-tensors"</c> (llm-compressor checkpoints). A layer is dense when an
/// <c>ignore</c> entry matches it or no group targets it. Otherwise the group whose target matches most
/// specifically wins, in compressed-tensors' order: an exact module name, then a "re:" pattern (patterns tried
/// in sorted order), then a module class such as "Linear".
/// </summary>
internal sealed class CompressedTensorsConfig : QuantizationConfig
{
    private readonly JsonSection _section;
    private readonly IReadOnlyList<ModuleNamePattern> _ignore;
    private readonly IReadOnlyList<(ModuleNamePattern Target, CompressedTensorsGroup Group)> _targets;

    private CompressedTensorsConfig(
        JsonSection section, IReadOnlyList<ModuleNamePattern> ignore, IReadOnlyList<(ModuleNamePattern, CompressedTensorsGroup)> targets)
    {
        _section = section;
        _ignore = ignore;
        _targets = targets;
    }

    /// <summary>The groups, in file order.</summary>
    public IReadOnlyList<CompressedTensorsGroup> Groups => [.. _targets.Select(pair => pair.Group).Distinct()];

    /// <summary>Reads the quantization_config section.</summary>
    public static CompressedTensorsConfig ReadSection(JsonSection section)
    {
        var sparsity = section.Property("sparsity_config");
        if (!sparsity.IsNull && (sparsity.OptionalString("format") ?? "dense") != "dense")
        {
            throw sparsity.Error("format", $"sparse checkpoints are not supported; found \"{sparsity.OptionalString("format")}\", expected \"dense\" or no sparsity_config");
        }

        var globalFormat = section.OptionalString("format");
        var groups = section.RequiredProperty("config_groups").Properties()
            .Select(entry => CompressedTensorsGroup.Read(entry.Value, globalFormat))
            .ToList();
        var ignoreSection = section.Property("ignore");
        var ignore = ignoreSection.IsNull ? [] : ignoreSection.Items().Select(CompressedTensorsGroup.ReadPattern).ToList();

        // compressed-tensors sorts targets by (is regex, text) before matching.
        var targets = groups
            .SelectMany(group => group.Targets.Select(target => (Target: target, Group: group)))
            .OrderBy(pair => pair.Target.IsRegex)
            .ThenBy(pair => pair.Target.Text, StringComparer.Ordinal)
            .ToList();
        return new CompressedTensorsConfig(section, ignore, targets);
    }

    /// <inheritdoc />
    public override LinearScheme Resolve(string layerName, string moduleClass = "Linear")
    {
        if (_ignore.Any(entry => entry.MatchesName(layerName) || entry.MatchesClass(moduleClass)))
        {
            return DenseScheme.Instance;
        }

        var group = _targets.FirstOrDefault(pair => pair.Target.MatchesName(layerName)).Group
            ?? _targets.FirstOrDefault(pair => pair.Target.MatchesClass(moduleClass)).Group;
        if (group is null)
        {
            return DenseScheme.Instance;
        }

        return group.Scheme ?? throw group.Section.Error(
            $"layer '{layerName}' uses a scheme Qrt cannot run: {group.Describe()}; supported: {CompressedTensorsSchemeMapper.Supported}");
    }

    /// <summary>The section this was read from, for messages.</summary>
    public JsonSection Section => _section;
}
