using System.Text.Json;
using Qrt.Runtime.Json;

namespace Qrt.Runtime.Models.Configuration;

/// <summary>Turns a config.json object into a checked <see cref="TextModelConfig" />.</summary>
internal static class TextModelConfigReader
{
    public static TextModelConfig Read(JsonSection config)
    {
        var defaults = Architecture(config);
        var architecture = defaults.Architecture;

        var hiddenSize = config.PositiveInt("hidden_size", defaults.HiddenSize);
        var heads = config.PositiveInt("num_attention_heads", defaults.AttentionHeadCount);
        var kvHeads = config.PositiveInt("num_key_value_heads", defaults.KeyValueHeadCount ?? heads);
        if (heads % kvHeads != 0)
        {
            throw config.Error("num_key_value_heads", $"must divide num_attention_heads ({heads}); found {kvHeads}");
        }

        var headDim = HeadDim(config, hiddenSize, heads);
        var layers = config.PositiveInt("num_hidden_layers", defaults.LayerCount);
        var hiddenAct = config.OptionalString("hidden_act") ?? "silu";
        if (hiddenAct != "silu")
        {
            throw config.Error("hidden_act", $"activation \"{hiddenAct}\" is not supported; supported: \"silu\"");
        }

        // transformers 5 moves rope_theta and the scaling into rope_parameters; older files keep them at the top.
        var ropeParameters = config.Property("rope_parameters");
        var ropeSource = ropeParameters.IsNull ? config : ropeParameters;
        var ropeScaling = RopeScaling.Read(ropeParameters.IsNull ? config.Property("rope_scaling") : ropeParameters);
        if (ropeScaling.MultimodalSections is { } sections && sections.Sum() != headDim / 2)
        {
            throw config.Error(
                ropeParameters.IsNull ? "rope_scaling" : "rope_parameters",
                $"mrope_section [{string.Join(", ", sections)}] must add up to head_dim / 2 = {headDim / 2}");
        }

        var (qkvBias, outputBias, mlpBias) = Biases(config, architecture);
        // An absent id takes the class default; an explicit null means the model has none.
        var bos = IsAbsent(config, "bos_token_id") ? defaults.BosTokenId : config.OptionalInt("bos_token_id");
        var eos = IsAbsent(config, "eos_token_id")
            ? (defaults.EosTokenId is { } eosDefault ? [eosDefault] : [])
            : config.IntOrIntList("eos_token_id");

        return new TextModelConfig
        {
            Architecture = architecture,
            VocabSize = config.PositiveInt("vocab_size", defaults.VocabSize),
            HiddenSize = hiddenSize,
            IntermediateSize = config.PositiveInt("intermediate_size", defaults.IntermediateSize),
            LayerCount = layers,
            AttentionHeadCount = heads,
            KeyValueHeadCount = kvHeads,
            HeadDim = headDim,
            MaxPositionEmbeddings = config.PositiveInt("max_position_embeddings", defaults.MaxPositionEmbeddings),
            RmsNormEps = config.PositiveDouble("rms_norm_eps", defaults.RmsNormEps),
            RopeTheta = ropeSource.PositiveDouble("rope_theta", defaults.RopeTheta),
            RopeScaling = ropeScaling,
            TieWordEmbeddings = config.OptionalBool("tie_word_embeddings") ?? false,
            QkvBias = qkvBias,
            OutputProjectionBias = outputBias,
            MlpBias = mlpBias,
            SlidingWindow = SlidingWindow(config, defaults),
            MaxWindowLayers = architecture == TextArchitecture.Qwen2 ? MaxWindowLayers(config, layers) : 0,
            HiddenAct = hiddenAct,
            TorchDtype = config.OptionalString("torch_dtype") ?? config.OptionalString("dtype"),
            BosTokenId = bos,
            EosTokenIds = eos,
            Experts = architecture == TextArchitecture.Mixtral ? Experts(config) : null,
        };
    }

    /// <summary>
    /// The architecture from <c>architectures[0]</c>, cross-checked with <c>model_type</c>; a nested section
    /// (text_config) usually has only model_type, which then decides alone.
    /// </summary>
    private static ArchitectureDefaults Architecture(JsonSection config)
    {
        var modelType = config.OptionalString("model_type");
        var architectures = config.Property("architectures");
        if (architectures.IsNull)
        {
            if (modelType is null)
            {
                throw config.Error("architectures", $"is missing, and so is model_type; expected one of {ArchitectureDefaults.SupportedClassNames}");
            }

            return ArchitectureDefaults.ForModelType(modelType)
                ?? throw config.Error("model_type", $"\"{modelType}\" is not a supported text model; supported: {ArchitectureDefaults.SupportedModelTypes}");
        }

        var first = architectures.Items().FirstOrDefault();
        if (first.Element.ValueKind == JsonValueKind.Undefined)
        {
            throw architectures.Error($"must name the model class; found an empty list (expected one of {ArchitectureDefaults.SupportedClassNames})");
        }

        var className = first.AsString();
        var defaults = ArchitectureDefaults.ForClass(className)
            ?? throw first.Error($"\"{className}\" is not a supported text model; supported: {ArchitectureDefaults.SupportedClassNames}");
        if (modelType is not null && modelType != defaults.ModelType)
        {
            throw config.Error("model_type", $"\"{modelType}\" contradicts architectures[0] {className}, whose model_type is \"{defaults.ModelType}\"");
        }

        return defaults;
    }

    private static int HeadDim(JsonSection config, int hiddenSize, int heads)
    {
        var explicitHeadDim = config.Property("head_dim");
        int headDim;
        if (explicitHeadDim.IsNull)
        {
            if (hiddenSize % heads != 0)
            {
                throw config.Error("hidden_size", $"must be a multiple of num_attention_heads ({heads}) when head_dim is not given; found {hiddenSize}");
            }

            headDim = hiddenSize / heads;
        }
        else
        {
            headDim = config.PositiveInt("head_dim", null);
        }

        // Half-split RoPE pairs dimension i with i + d/2.
        return headDim % 2 == 0
            ? headDim
            : throw config.Error(explicitHeadDim.IsNull ? "hidden_size" : "head_dim", $"gives an odd head dimension {headDim}; rotary embeddings need an even one");
    }

    private static (bool Qkv, bool Output, bool Mlp) Biases(JsonSection config, TextArchitecture architecture)
    {
        switch (architecture)
        {
            case TextArchitecture.Llama:
                var attentionBias = config.OptionalBool("attention_bias") ?? false;
                return (attentionBias, attentionBias, config.OptionalBool("mlp_bias") ?? false);
            case TextArchitecture.Qwen2:
                // Qwen2's attention hard-codes bias on q/k/v and none on o_proj; the config has no switch.
                return (true, false, false);
            case TextArchitecture.Mistral:
            case TextArchitecture.Mixtral:
            default:
                return (false, false, false);
        }
    }

    private static int? SlidingWindow(JsonSection config, ArchitectureDefaults defaults)
    {
        // Qwen2 keeps a sliding_window value even when it is switched off by use_sliding_window.
        if (defaults.Architecture == TextArchitecture.Qwen2 && !(config.OptionalBool("use_sliding_window") ?? false))
        {
            return null;
        }

        if (IsAbsent(config, "sliding_window"))
        {
            return defaults.SlidingWindow;
        }

        // An explicit null means full attention (Mixtral, Pixtral), unlike an absent key.
        return config.Property("sliding_window").IsNull ? null : config.PositiveInt("sliding_window", null);
    }

    private static bool IsAbsent(JsonSection config, string name) => config.Property(name).Element.ValueKind == JsonValueKind.Undefined;

    private static int MaxWindowLayers(JsonSection config, int layers)
    {
        var value = config.OptionalInt("max_window_layers", 28)!.Value;
        return value >= 0 ? value : throw config.Error("max_window_layers", $"must be at least 0; found {value} (of {layers} layers)");
    }

    private static MixtureOfExpertsConfig Experts(JsonSection config)
    {
        var experts = config.PositiveInt("num_local_experts", 8);
        var perToken = config.PositiveInt("num_experts_per_tok", 2);
        return perToken <= experts
            ? new MixtureOfExpertsConfig(experts, perToken)
            : throw config.Error("num_experts_per_tok", $"must be at most num_local_experts ({experts}); found {perToken}");
    }
}
