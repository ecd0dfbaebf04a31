namespace Qrt.Runtime.Models.Architectures;

/// <summary>
/// The tensors of a decoder-only checkpoint, by name and shape, grouped the way the network uses them. An
/// architecture file turns config.json into a plan; the loader checks the checkpoint against it and builds the
/// network from it, so tensor names are written in one place only.
/// </summary>
/// <param name="Embedding">The token embedding table [vocab, hidden].</param>
/// <param name="Layers">The transformer blocks in order.</param>
/// <param name="FinalNorm">The RMSNorm weight after the last block [hidden].</param>
/// <param name="LmHead">The output projection, or null when it shares the embedding table (tie_word_embeddings).</param>
internal sealed record DecoderPlan(PlannedTensor Embedding, IReadOnlyList<DecoderLayerPlan> Layers, PlannedTensor FinalNorm, PlannedLinear? LmHead)
{
    /// <summary>Every linear layer of the plan, in network order.</summary>
    public IEnumerable<PlannedLinear> Linears()
    {
        foreach (var layer in Layers)
        {
            foreach (var linear in layer.Linears())
            {
                yield return linear;
            }
        }

        if (LmHead is not null)
        {
            yield return LmHead;
        }
    }

    /// <summary>Every plain floating-point tensor of the plan (embedding and norms).</summary>
    public IEnumerable<PlannedTensor> PlainTensors()
    {
        yield return Embedding;
        foreach (var layer in Layers)
        {
            yield return layer.InputNorm;
            yield return layer.PostAttentionNorm;
        }

        yield return FinalNorm;
    }
}

/// <summary>A linear layer y = x·Wᵀ (+ b) stored under <paramref name="Name"/> (".weight", ".bias", ".weight_scale"...).</summary>
/// <param name="Name">The module name, e.g. "model.layers.0.self_attn.q_proj".</param>
/// <param name="Kind">The name without layer and expert indices, e.g. "self_attn.q_proj", for summaries.</param>
/// <param name="OutFeatures">Rows of the weight.</param>
/// <param name="InFeatures">Columns of the weight.</param>
/// <param name="HasBias">Whether a bias vector [out] is stored.</param>
internal sealed record PlannedLinear(string Name, string Kind, long OutFeatures, long InFeatures, bool HasBias);

/// <summary>A floating-point tensor (embedding table or norm weight) of a fixed shape.</summary>
internal sealed record PlannedTensor(string Name, long[] Shape);

/// <summary>One block: attention and a feed-forward part, each after an RMSNorm.</summary>
/// <param name="Index">The block's position, from 0.</param>
/// <param name="InputNorm">RMSNorm weight before attention.</param>
/// <param name="Attention">The attention projections.</param>
/// <param name="PostAttentionNorm">RMSNorm weight before the feed-forward part.</param>
/// <param name="Mlp">A dense gated MLP, or null in a mixture-of-experts block.</param>
/// <param name="Experts">The sparse mixture of experts, or null in a dense block.</param>
internal sealed record DecoderLayerPlan(
    int Index, PlannedTensor InputNorm, AttentionPlan Attention, PlannedTensor PostAttentionNorm, GatedMlpPlan? Mlp, SparseMoePlan? Experts)
{
    /// <summary>The block's linear layers in network order.</summary>
    public IEnumerable<PlannedLinear> Linears()
    {
        IEnumerable<PlannedLinear> attention = [Attention.Query, Attention.Key, Attention.Value, Attention.Output];
        var feedForward = Mlp is not null
            ? Mlp.Linears()
            : Experts!.Experts.SelectMany(expert => expert.Linears()).Prepend(Experts.Router);
        return attention.Concat(feedForward);
    }
}

/// <summary>The four projections of grouped-query self-attention.</summary>
internal sealed record AttentionPlan(PlannedLinear Query, PlannedLinear Key, PlannedLinear Value, PlannedLinear Output);

/// <summary>A SwiGLU MLP: down(silu(gate(x)) · up(x)).</summary>
internal sealed record GatedMlpPlan(PlannedLinear Gate, PlannedLinear Up, PlannedLinear Down)
{
    /// <summary>The three projections.</summary>
    public IEnumerable<PlannedLinear> Linears() => [Gate, Up, Down];
}

/// <summary>A sparse MoE block: a router over <see cref="Experts"/>, of which <paramref name="ExpertsPerToken"/> run per token.</summary>
internal sealed record SparseMoePlan(PlannedLinear Router, IReadOnlyList<GatedMlpPlan> Experts, int ExpertsPerToken);
