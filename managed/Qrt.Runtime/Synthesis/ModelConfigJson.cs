using Qrt.Runtime.Synthesis.Tokenizers;

namespace Qrt.Runtime.Synthesis;

/// <summary>
/// config.json and generation_config.json with the keys the released models of each architecture carry
/// (Mistral 7B v0.3, Llama 3, Qwen2.5, Mixtral 8x7B; Pixtral-12B and Qwen2-VL through
/// <see cref="VisionLanguageConfigJson" />), their values for the synthetic dimensions, and the token ids of the
/// synthetic tokenizer.
/// </summary>
internal static class ModelConfigJson
{
    /// <summary>The transformers version the files claim, as every saved config does.</summary>
    public const string TransformersVersion = "4.46.3";

    /// <summary>config.json.</summary>
    public static JsonEntries Config(SyntheticArchitecture architecture, ModelDimensions dims, SyntheticVocabulary vocabulary, JsonEntries? quantization) =>
        architecture switch
        {
            SyntheticArchitecture.Pixtral => VisionLanguageConfigJson.Pixtral(dims, vocabulary, quantization),
            SyntheticArchitecture.Qwen2Vl => VisionLanguageConfigJson.Qwen2Vl(dims, vocabulary, quantization),
            _ => TextConfig(architecture, dims, vocabulary, quantization),
        };

    /// <summary>config.json of a text model: every key at the top level.</summary>
    private static JsonEntries TextConfig(SyntheticArchitecture architecture, ModelDimensions dims, SyntheticVocabulary vocabulary, JsonEntries? quantization)
    {
        var format = vocabulary.Format;
        var config = new JsonEntries()
            .Set("architectures", [ClassName(architecture)])
            .Set("attention_dropout", 0.0)
            .Set("bos_token_id", vocabulary.IdOf(format.ConfigBosToken))
            .SetIdOrIds("eos_token_id", ConfigEosIds(architecture, vocabulary))
            .Set("hidden_act", "silu")
            .Set("hidden_size", dims.HiddenSize)
            .Set("initializer_range", 0.02)
            .Set("intermediate_size", dims.IntermediateSize)
            .Set("max_position_embeddings", MaxPositions(architecture))
            .Set("model_type", ModelType(architecture))
            .Set("num_attention_heads", dims.AttentionHeadCount)
            .Set("num_hidden_layers", dims.LayerCount)
            .Set("num_key_value_heads", dims.KeyValueHeadCount)
            .Set("rms_norm_eps", architecture == SyntheticArchitecture.Qwen2 ? 1e-6 : 1e-5)
            .Set("rope_theta", architecture == SyntheticArchitecture.Llama ? 500000.0 : 1000000.0)
            .Set("tie_word_embeddings", ArchitectureLayout.TiesWordEmbeddings(architecture))
            .Set("torch_dtype", "bfloat16")
            .Set("transformers_version", TransformersVersion)
            .Set("use_cache", true)
            .Set("vocab_size", dims.VocabSize);
        switch (architecture)
        {
            case SyntheticArchitecture.Mistral:
                config.Set("head_dim", dims.HeadDim).SetNull("sliding_window");
                break;
            case SyntheticArchitecture.Llama:
                config.Set("attention_bias", false).Set("head_dim", dims.HeadDim).Set("mlp_bias", false)
                    .Set("pretraining_tp", 1).SetNull("rope_scaling");
                break;
            case SyntheticArchitecture.Qwen2:
                // Qwen2 keeps a sliding_window value that use_sliding_window switches off.
                config.Set("max_window_layers", dims.LayerCount).SetNull("rope_scaling")
                    .Set("sliding_window", MaxPositions(architecture)).Set("use_sliding_window", false);
                break;
            default:
                config.Set("num_experts_per_tok", dims.ExpertsPerToken).Set("num_local_experts", dims.ExpertCount)
                    .Set("output_router_logits", false).Set("router_aux_loss_coef", 0.001).Set("router_jitter_noise", 0.0)
                    .SetNull("sliding_window");
                break;
        }

        if (quantization is not null)
        {
            config.Set("quantization_config", quantization);
        }

        return config;
    }

    /// <summary>generation_config.json: the ids, and the sampling defaults the family's instruct models ship.</summary>
    public static JsonEntries GenerationConfig(SyntheticArchitecture architecture, SyntheticVocabulary vocabulary)
    {
        // A vision-language model ships its language model's generation settings.
        architecture = architecture.TextFamily();
        var format = vocabulary.Format;
        var generation = new JsonEntries()
            .Set("bos_token_id", vocabulary.IdOf(format.ConfigBosToken))
            .SetIdOrIds("eos_token_id", [.. format.StopTokens.Select(vocabulary.IdOf)])
            .Set("transformers_version", TransformersVersion);
        switch (architecture)
        {
            case SyntheticArchitecture.Llama:
                generation.Set("do_sample", true).Set("temperature", 0.6).Set("top_p", 0.9);
                break;
            case SyntheticArchitecture.Qwen2:
                generation.Set("do_sample", true).Set("pad_token_id", vocabulary.IdOf(format.PadToken!))
                    .Set("repetition_penalty", 1.05).Set("temperature", 0.7).Set("top_k", 20).Set("top_p", 0.8);
                break;
            default:
                break;
        }

        return generation;
    }

    /// <summary>The transformers class name.</summary>
    public static string ClassName(SyntheticArchitecture architecture) => architecture switch
    {
        SyntheticArchitecture.Mistral => "MistralForCausalLM",
        SyntheticArchitecture.Llama => "LlamaForCausalLM",
        SyntheticArchitecture.Qwen2 => "Qwen2ForCausalLM",
        SyntheticArchitecture.Mixtral => "MixtralForCausalLM",
        SyntheticArchitecture.Pixtral => "LlavaForConditionalGeneration",
        _ => "Qwen2VLForConditionalGeneration",
    };

    private static string ModelType(SyntheticArchitecture architecture) => architecture switch
    {
        SyntheticArchitecture.Mistral => "mistral",
        SyntheticArchitecture.Llama => "llama",
        SyntheticArchitecture.Qwen2 => "qwen2",
        _ => "mixtral",
    };

    private static int MaxPositions(SyntheticArchitecture architecture) => architecture == SyntheticArchitecture.Llama ? 8192 : 32768;

    /// <summary>Qwen2's instruct config.json names &lt;|im_end|&gt; alone (generation_config adds &lt;|endoftext|&gt;); the others list every stop token.</summary>
    private static int[] ConfigEosIds(SyntheticArchitecture architecture, SyntheticVocabulary vocabulary) =>
        architecture == SyntheticArchitecture.Qwen2
            ? [vocabulary.IdOf("<|im_end|>")]
            : [.. vocabulary.Format.StopTokens.Select(vocabulary.IdOf)];
}
