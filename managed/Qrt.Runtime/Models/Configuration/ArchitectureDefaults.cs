namespace Qrt.Runtime.Models.Configuration;

/// <summary>
/// What transformers' config class of an architecture assumes for a key config.json leaves out
/// (LlamaConfig, MistralConfig, Qwen2Config, MixtralConfig constructor defaults). Real configs usually spell
/// the sizes out, but nested configs such as Pixtral's text_config rely on these.
/// </summary>
internal sealed record ArchitectureDefaults(
    string ClassName,
    string ModelType,
    int VocabSize,
    int HiddenSize,
    int IntermediateSize,
    int LayerCount,
    int AttentionHeadCount,
    int? KeyValueHeadCount,
    int MaxPositionEmbeddings,
    double RmsNormEps,
    double RopeTheta,
    int? SlidingWindow,
    int? BosTokenId,
    int? EosTokenId)
{
    /// <summary>The architectures, in the order error messages list them.</summary>
    public static IReadOnlyList<ArchitectureDefaults> All { get; } =
    [
        new("LlamaForCausalLM", "llama", 32000, 4096, 11008, 32, 32, null, 2048, 1e-6, 10000.0, null, 1, 2),
        new("MistralForCausalLM", "mistral", 32000, 4096, 14336, 32, 32, 8, 4096 * 32, 1e-6, 10000.0, 4096, 1, 2),

        // Qwen2Config has a sliding_window default too, but it only applies with use_sliding_window.
        new("Qwen2ForCausalLM", "qwen2", 151936, 4096, 22016, 32, 32, 32, 32768, 1e-6, 10000.0, 4096, null, null),
        new("MixtralForCausalLM", "mixtral", 32000, 4096, 14336, 32, 32, 8, 4096 * 32, 1e-5, 1e6, null, 1, 2),

        // Qwen2-VL's language model is Qwen2 with M-RoPE; its config class defaults to the 72B sizes.
        new("Qwen2VLForConditionalGeneration", "qwen2_vl", 152064, 8192, 29568, 80, 64, 8, 32768, 1e-5, 1e6, 4096, null, null),
    ];

    /// <summary>The names of the supported architecture classes, for messages.</summary>
    public static string SupportedClassNames => string.Join(", ", All.Select(defaults => defaults.ClassName));

    /// <summary>The supported model_type values, for messages.</summary>
    public static string SupportedModelTypes => string.Join(", ", All.Select(defaults => $"\"{defaults.ModelType}\""));

    /// <summary>Which architecture this is.</summary>
    public TextArchitecture Architecture => ModelType switch
    {
        "llama" => TextArchitecture.Llama,
        "mistral" => TextArchitecture.Mistral,
        "qwen2" or "qwen2_vl" => TextArchitecture.Qwen2,
        _ => TextArchitecture.Mixtral,
    };

    /// <summary>The defaults of architecture class <paramref name="className" />, or null when unsupported.</summary>
    public static ArchitectureDefaults? ForClass(string className) => All.FirstOrDefault(defaults => defaults.ClassName == className);

    /// <summary>The defaults of <paramref name="modelType" />, or null when unsupported.</summary>
    public static ArchitectureDefaults? ForModelType(string modelType) =>
        // Newer Qwen2-VL configs nest the language model's keys in a text_config of its own model_type.
        All.FirstOrDefault(defaults => defaults.ModelType == (modelType == "qwen2_vl_text" ? "qwen2_vl" : modelType));
}
