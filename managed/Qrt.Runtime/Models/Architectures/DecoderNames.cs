using Qrt.Runtime.Models.Configuration;

namespace Qrt.Runtime.Models.Architectures;

/// <summary>
/// The "model.*" tensor names Llama, Mistral, Qwen2 and Mixtral share on the hub, and the plan pieces built from
/// them. Architectures differ only in biases and in the feed-forward block.
/// </summary>
internal static class DecoderNames
{
    /// <summary>The prefix of block <paramref name="layer"/>.</summary>
    public static string Layer(int layer) => $"model.layers.{layer}";

    /// <summary>Token embedding, final norm and LM head (absent when tied) for <paramref name="config"/>.</summary>
    public static (PlannedTensor Embedding, PlannedTensor FinalNorm, PlannedLinear? LmHead) Ends(TextModelConfig config) =>
    (
        new PlannedTensor("model.embed_tokens.weight", [config.VocabSize, config.HiddenSize]),
        new PlannedTensor("model.norm.weight", [config.HiddenSize]),
        config.TieWordEmbeddings ? null : new PlannedLinear("lm_head", "lm_head", config.VocabSize, config.HiddenSize, HasBias: false)
    );

    /// <summary>The two RMSNorm weights of a block.</summary>
    public static (PlannedTensor Input, PlannedTensor PostAttention) Norms(TextModelConfig config, int layer) =>
    (
        new PlannedTensor($"{Layer(layer)}.input_layernorm.weight", [config.HiddenSize]),
        new PlannedTensor($"{Layer(layer)}.post_attention_layernorm.weight", [config.HiddenSize])
    );

    /// <summary>q/k/v/o projections under "self_attn", with the biases <paramref name="config"/> declares.</summary>
    public static AttentionPlan Attention(TextModelConfig config, int layer)
    {
        var prefix = $"{Layer(layer)}.self_attn";
        var queryWidth = (long)config.AttentionHeadCount * config.HeadDim;
        var keyValueWidth = (long)config.KeyValueHeadCount * config.HeadDim;
        PlannedLinear Projection(string name, long outFeatures, long inFeatures, bool bias) =>
            new($"{prefix}.{name}", $"self_attn.{name}", outFeatures, inFeatures, bias);
        return new AttentionPlan(
            Projection("q_proj", queryWidth, config.HiddenSize, config.QkvBias),
            Projection("k_proj", keyValueWidth, config.HiddenSize, config.QkvBias),
            Projection("v_proj", keyValueWidth, config.HiddenSize, config.QkvBias),
            Projection("o_proj", config.HiddenSize, queryWidth, config.OutputProjectionBias));
    }

    /// <summary>The gate, up and down projections called <paramref name="names"/> under <paramref name="prefix"/>; summaries group them under <paramref name="kindPrefix"/>.</summary>
    public static GatedMlpPlan GatedMlp(
        TextModelConfig config, string prefix, string kindPrefix, (string Gate, string Up, string Down) names, bool bias)
    {
        PlannedLinear Projection(string name, long outFeatures, long inFeatures) =>
            new($"{prefix}.{name}", $"{kindPrefix}.{name}", outFeatures, inFeatures, bias);
        return new GatedMlpPlan(
            Projection(names.Gate, config.IntermediateSize, config.HiddenSize),
            Projection(names.Up, config.IntermediateSize, config.HiddenSize),
            Projection(names.Down, config.HiddenSize, config.IntermediateSize));
    }

    /// <summary>A plan of <see cref="TextModelConfig.LayerCount"/> blocks whose feed-forward parts come from <paramref name="feedForward"/>.</summary>
    public static DecoderPlan Plan(TextModelConfig config, Func<int, (GatedMlpPlan? Mlp, SparseMoePlan? Experts)> feedForward)
    {
        var (embedding, finalNorm, lmHead) = Ends(config);
        var layers = new DecoderLayerPlan[config.LayerCount];
        for (var layer = 0; layer < layers.Length; layer++)
        {
            var (inputNorm, postNorm) = Norms(config, layer);
            var (mlp, experts) = feedForward(layer);
            layers[layer] = new DecoderLayerPlan(layer, inputNorm, Attention(config, layer), postNorm, mlp, experts);
        }

        return new DecoderPlan(embedding, layers, finalNorm, lmHead);
    }
}
