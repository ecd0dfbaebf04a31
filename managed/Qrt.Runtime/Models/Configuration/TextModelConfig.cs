using System.Text.Json;
using Qrt.Runtime.Text;
using Qrt.Runtime.Json;

namespace Qrt.Runtime.Models.Configuration;

/// <summary>
/// The shape and numerics of a decoder-only text model (Llama, Mistral, Qwen2, Mixtral) from config.json, with
/// the defaults of the transformers config class filled in for absent keys and every value checked.
/// </summary>
internal sealed record TextModelConfig
{
    /// <summary>The architecture.</summary>
    public required TextArchitecture Architecture { get; init; }

    /// <summary>Vocabulary size: rows of embed_tokens and lm_head.</summary>
    public required int VocabSize { get; init; }

    /// <summary>Width of the residual stream.</summary>
    public required int HiddenSize { get; init; }

    /// <summary>Width of the gated MLP (of each expert, for Mixtral).</summary>
    public required int IntermediateSize { get; init; }

    /// <summary>Number of decoder layers.</summary>
    public required int LayerCount { get; init; }

    /// <summary>Query heads.</summary>
    public required int AttentionHeadCount { get; init; }

    /// <summary>Key/value heads (grouped-query attention); divides <see cref="AttentionHeadCount" />.</summary>
    public required int KeyValueHeadCount { get; init; }

    /// <summary>Width of one head; need not be hidden / heads (Pixtral's text model: 128 with 5120 / 32).</summary>
    public required int HeadDim { get; init; }

    /// <summary>Longest context the model was configured for.</summary>
    public required int MaxPositionEmbeddings { get; init; }

    /// <summary>RMSNorm epsilon.</summary>
    public required double RmsNormEps { get; init; }

    /// <summary>RoPE base.</summary>
    public required double RopeTheta { get; init; }

    /// <summary>RoPE rescaling for long contexts.</summary>
    public required RopeScaling RopeScaling { get; init; }

    /// <summary>Whether lm_head shares the embedding matrix (then the checkpoint may omit lm_head.weight).</summary>
    public required bool TieWordEmbeddings { get; init; }

    /// <summary>Whether q_proj, k_proj and v_proj have biases (Qwen2: always).</summary>
    public required bool QkvBias { get; init; }

    /// <summary>Whether o_proj has a bias (Llama with attention_bias; never Qwen2).</summary>
    public required bool OutputProjectionBias { get; init; }

    /// <summary>Whether gate/up/down projections have biases (Llama's mlp_bias).</summary>
    public required bool MlpBias { get; init; }

    /// <summary>Sliding attention window in tokens, or null for full causal attention.</summary>
    public required int? SlidingWindow { get; init; }

    /// <summary>
    /// Qwen2's max_window_layers: layers below this index attend fully even with a sliding window; 0 elsewhere.
    /// </summary>
    public int MaxWindowLayers { get; init; }

    /// <summary>The MLP activation; always "silu" (anything else is rejected).</summary>
    public string HiddenAct { get; init; } = "silu";

    /// <summary>torch_dtype (or dtype) as written, e.g. "bfloat16"; null when absent.</summary>
    public string? TorchDtype { get; init; }

    /// <summary>The beginning-of-sequence token id, if any.</summary>
    public int? BosTokenId { get; init; }

    /// <summary>End-of-sequence token ids (config.json may give one or a list); empty when none.</summary>
    public IReadOnlyList<int> EosTokenIds { get; init; } = [];

    /// <summary>Mixtral's sparse MoE block; null for dense MLP architectures.</summary>
    public MixtureOfExpertsConfig? Experts { get; init; }

    /// <summary>Reads and checks a model's config.json at <paramref name="path" />.</summary>
    public static TextModelConfig Load(string path) => Read(new JsonSection(path, string.Empty, JsonFile.ReadObject(path)));

    /// <summary>Reads a config object already parsed, e.g. the root of config.json.</summary>
    public static TextModelConfig Read(string file, JsonElement root) => Read(new JsonSection(file, string.Empty, root));

    /// <summary>
    /// Reads the text model described by <paramref name="section" />: a whole config.json, or a nested section
    /// such as a vision-language model's <c>text_config</c> (messages then name "text_config.&lt;key&gt;").
    /// </summary>
    public static TextModelConfig Read(JsonSection section) => TextModelConfigReader.Read(section);

    /// <summary>The sliding window of layer <paramref name="layer" />, or null when that layer attends fully.</summary>
    public int? SlidingWindowForLayer(int layer)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(layer);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(layer, LayerCount);
        return layer >= MaxWindowLayers ? SlidingWindow : null;
    }

    /// <summary>The rotary inverse frequencies for one head: <see cref="HeadDim" /> / 2 values.</summary>
    public float[] InverseFrequencies() => RotaryFrequencies.Compute(HeadDim, RopeTheta, RopeScaling);
}
