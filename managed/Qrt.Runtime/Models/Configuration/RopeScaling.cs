using Qrt.Runtime.Json;

namespace Qrt.Runtime.Models.Configuration;

/// <summary>
/// The <c>rope_scaling</c> entry of config.json. <see cref="Factor" /> applies to linear and llama3; the other
/// values only to llama3 (transformers' <c>_compute_llama3_parameters</c>).
/// </summary>
internal sealed record RopeScaling(
    RopeScalingKind Kind,
    double Factor = 1.0,
    double LowFrequencyFactor = 1.0,
    double HighFrequencyFactor = 4.0,
    int OriginalMaxPositionEmbeddings = 8192)
{
    private const string Supported = "\"default\", \"linear\", \"llama3\", \"mrope\"";

    /// <summary>
    /// Qwen2-VL's <c>mrope_section</c>: how many of the head_dim / 2 rotary frequencies follow the temporal, height
    /// and width positions; null for a 1-D rotary embedding. Older files say <c>"type": "mrope"</c>, newer ones
    /// <c>"rope_type": "default"</c> with the section list.
    /// </summary>
    public IReadOnlyList<int>? MultimodalSections { get; init; }

    /// <summary>No rescaling.</summary>
    public static RopeScaling None { get; } = new(RopeScalingKind.Default);

    /// <summary>
    /// Reads a rope_scaling (or rope_parameters) object; null or absent means no rescaling. The kind is
    /// <c>rope_type</c>, or the older <c>type</c> when that is absent.
    /// </summary>
    public static RopeScaling Read(JsonSection section)
    {
        if (section.IsNull)
        {
            return None;
        }

        var typeKey = section.Property("rope_type").IsNull ? "type" : "rope_type";
        var type = section.OptionalString(typeKey) ?? "default";
        var sections = ReadSections(section, type == "mrope");
        return type switch
        {
            "default" or "mrope" => sections is null ? None : new RopeScaling(RopeScalingKind.Default) { MultimodalSections = sections },
            "linear" => new RopeScaling(RopeScalingKind.Linear, RequiredPositive(section, "factor")),
            "llama3" => ReadLlama3(section),
            _ => throw section.Error(typeKey, $"rope scaling \"{type}\" is not supported; supported: {Supported}"),
        };
    }

    private static IReadOnlyList<int>? ReadSections(JsonSection section, bool required)
    {
        if (section.Property("mrope_section").IsNull)
        {
            return required ? throw section.Error("mrope_section", "is missing; \"mrope\" needs the three section widths") : null;
        }

        var sections = section.IntOrIntList("mrope_section");
        if (sections.Count != 3 || sections.Any(width => width <= 0))
        {
            throw section.Error("mrope_section", $"must be three positive widths (temporal, height, width); found [{string.Join(", ", sections)}]");
        }

        return sections;
    }

    private static RopeScaling ReadLlama3(JsonSection section)
    {
        var factor = RequiredPositive(section, "factor");
        var low = RequiredPositive(section, "low_freq_factor");
        var high = RequiredPositive(section, "high_freq_factor");
        var original = section.PositiveInt("original_max_position_embeddings", null);
        if (high <= low)
        {
            // The smoothing divides by (high - low): equal factors would divide by zero.
            throw section.Error("high_freq_factor", $"must be greater than low_freq_factor ({low}); found {high}");
        }

        return new RopeScaling(RopeScalingKind.Llama3, factor, low, high, original);
    }

    private static double RequiredPositive(JsonSection section, string name)
    {
        if (section.Property(name).IsNull)
        {
            throw section.Error(name, "is missing");
        }

        return section.PositiveDouble(name, 0);
    }
}
