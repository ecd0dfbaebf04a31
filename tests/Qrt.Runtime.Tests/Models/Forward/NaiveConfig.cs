using System.Text.Json;

namespace Qrt.Runtime.Tests.Models.Forward;

/// <summary>
/// The config.json keys the naive decoder needs, read straight from the file with the defaults transformers'
/// LlamaConfig, MistralConfig, Qwen2Config and MixtralConfig give absent keys. Independent of the runtime's
/// own config reader, so a misread key there shows up as a logit mismatch.
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

    public static NaiveConfig Read(string directory)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(directory, "config.json")));
        var root = document.RootElement;
        var architecture = root.GetProperty("architectures")[0].GetString()!;
        var hidden = Int(root, "hidden_size");
        var heads = Int(root, "num_attention_heads");
        var qwen2 = architecture == "Qwen2ForCausalLM";
        var mixtral = architecture == "MixtralForCausalLM";
        if (architecture is not ("LlamaForCausalLM" or "MistralForCausalLM" or "Qwen2ForCausalLM" or "MixtralForCausalLM"))
        {
            throw new NotSupportedException($"the naive decoder does not know {architecture}");
        }

        if (Present(root, "rope_scaling"))
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
            ReadSlidingWindow(root, qwen2));
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
