using System.Text.Json;

namespace Qrt.Runtime.Tests.Models.Forward;

/// <summary>
/// The config.json keys the naive decoder needs, read straight from the file with the defaults transformers'
/// LlamaConfig, MistralConfig, Qwen2Config and MixtralConfig give absent keys. Independent of the runtime's
/// own config reader, so a misread key there shows up as a logit mismatch. The language model of a
/// vision-language checkpoint reads the same way: Llava's from <c>text_config</c> (its tensors under
/// <c>language_model.</c>), Qwen2-VL's from the top level as Qwen2 with the <c>mrope_section</c> of its rope_scaling.
/// </summary>
internal sealed record NaiveConfig(
    string Architecture,
    int VocabSize,
    int HiddenSize,
    int IntermediateSize,
    int LayerCount,
    int Heads,
    int KeyValueHeads,
    int HeadDim,
    double RmsNormEps,
    double RopeTheta,
    bool TieWordEmbeddings,
    bool QkvBias,
    bool OutputBias,
    bool MlpBias,
    int ExpertCount,
    int ExpertsPerToken,
    int? SlidingWindow)
{
    public bool IsMixtral => Architecture == "MixtralForCausalLM";

    /// <summary>What the language model's tensor names carry before "model." and "lm_head": "language_model." under Llava.</summary>
    public string TensorPrefix { get; init; } = string.Empty;

    /// <summary>Qwen2-VL's M-RoPE split of the head_dim / 2 rotary frequencies (temporal, height, width); null for 1-D rotary.</summary>
    public IReadOnlyList<int>? MropeSection { get; init; }

    public static NaiveConfig Read(string directory)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(directory, "config.json")));
        var top = document.RootElement;
        var outer = top.GetProperty("architectures")[0].GetString()!;
        return outer switch
        {
            // Llava: the language model's keys live in text_config, which names no class; its model_type does.
            "LlavaForConditionalGeneration" => Read(top.GetProperty("text_config"), TextClass(top.GetProperty("text_config")), mrope: false) with
            {
                TensorPrefix = "language_model.",
            },

            // Qwen2-VL: a Qwen2 language model (q/k/v biases) whose keys sit at the top, or in text_config when saved so.
            "Qwen2VLForConditionalGeneration" => Read(Present(top, "text_config") ? top.GetProperty("text_config") : top, "Qwen2ForCausalLM", mrope: true),
            _ => Read(top, outer, mrope: false),
        };
    }

    private static NaiveConfig Read(JsonElement root, string architecture, bool mrope)
    {
        var hidden = Int(root, "hidden_size");
        var heads = Int(root, "num_attention_heads");
        var qwen2 = architecture == "Qwen2ForCausalLM";
        var mixtral = architecture == "MixtralForCausalLM";
        if (architecture is not ("LlamaForCausalLM" or "MistralForCausalLM" or "Qwen2ForCausalLM" or "MixtralForCausalLM"))
        {
            throw new NotSupportedException($"the naive decoder does not know {architecture}");
        }

        var sections = mrope ? MultimodalSections(root) : null;
        if (!mrope && Present(root, "rope_scaling"))
        {
            throw new NotSupportedException("the naive decoder implements unscaled rotary embeddings only");
        }

        // Llama: attention_bias on q, k, v and o; mlp_bias on the MLP. Qwen2: biases on q, k, v only, always.
        var attentionBias = Bool(root, "attention_bias", false);
        return new NaiveConfig(
            architecture,
            Int(root, "vocab_size"),
            hidden,
            Int(root, "intermediate_size"),
            Int(root, "num_hidden_layers"),
            heads,
            Present(root, "num_key_value_heads") ? Int(root, "num_key_value_heads") : heads,
            // Mistral (and the newer Llama, Mixtral) take an explicit head_dim; without one it is hidden / heads.
            Present(root, "head_dim") ? Int(root, "head_dim") : hidden / heads,
            Present(root, "rms_norm_eps") ? root.GetProperty("rms_norm_eps").GetDouble() : 1e-6,
            Present(root, "rope_theta") ? root.GetProperty("rope_theta").GetDouble() : 10000.0,
            Bool(root, "tie_word_embeddings", false),
            QkvBias: qwen2 || attentionBias,
            OutputBias: !qwen2 && attentionBias,
            MlpBias: !qwen2 && !mixtral && Bool(root, "mlp_bias", false),
            mixtral ? Int(root, "num_local_experts") : 0,
            mixtral ? Int(root, "num_experts_per_tok") : 0,
            ReadSlidingWindow(root, qwen2))
        {
            MropeSection = sections,
        };
    }

    /// <summary>
    /// rope_scaling of Qwen2-VL: type (or rope_type) "mrope", or "default" as newer transformers rewrites it, with the
    /// three section widths; anything else scales the frequencies, which the naive decoder does not implement.
    /// </summary>
    private static int[] MultimodalSections(JsonElement root)
    {
        if (!Present(root, "rope_scaling"))
        {
            throw new NotSupportedException("a Qwen2-VL config needs rope_scaling.mrope_section");
        }

        var scaling = root.GetProperty("rope_scaling");
        var type = scaling.TryGetProperty("rope_type", out var ropeType) ? ropeType.GetString()
            : scaling.TryGetProperty("type", out var legacyType) ? legacyType.GetString() : "default";
        if (type is not ("mrope" or "default"))
        {
            throw new NotSupportedException($"the naive decoder implements unscaled M-RoPE only, not rope_scaling type {type}");
        }

        return [.. scaling.GetProperty("mrope_section").EnumerateArray().Select(width => width.GetInt32())];
    }

    /// <summary>The CausalLM class of a nested text_config: its own architectures entry, else its model_type's class.</summary>
    private static string TextClass(JsonElement text)
    {
        if (Present(text, "architectures"))
        {
            return text.GetProperty("architectures")[0].GetString()!;
        }

        return text.GetProperty("model_type").GetString() switch
        {
            "mistral" => "MistralForCausalLM",
            "llama" => "LlamaForCausalLM",
            "qwen2" => "Qwen2ForCausalLM",
            "mixtral" => "MixtralForCausalLM",
            var other => throw new NotSupportedException($"the naive decoder does not know text model_type {other}"),
        };
    }

    /// <summary>Mistral and Mixtral: sliding_window when not null; Qwen2: only with use_sliding_window.</summary>
    private static int? ReadSlidingWindow(JsonElement root, bool qwen2)
    {
        if (qwen2 && !Bool(root, "use_sliding_window", false))
        {
            return null;
        }

        return Present(root, "sliding_window") ? Int(root, "sliding_window") : null;
    }

    private static bool Present(JsonElement root, string key) =>
        root.TryGetProperty(key, out var value) && value.ValueKind != JsonValueKind.Null;

    private static int Int(JsonElement root, string key) => root.GetProperty(key).GetInt32();

    private static bool Bool(JsonElement root, string key, bool fallback) =>
        Present(root, key) ? root.GetProperty(key).GetBoolean() : fallback;
}
