using Qrt.Runtime.Models.Configuration;

namespace Qrt.Runtime.Models.Architectures;

/// <summary>
/// MixtralForCausalLM: the Mistral block with the MLP replaced by a sparse mixture of experts. The router
/// ("block_sparse_moe.gate", [experts, hidden]) scores every expert; each token runs through its
/// num_experts_per_tok best, each a SwiGLU MLP whose projections are named w1 (gate), w3 (up) and w2 (down).
/// </summary>
internal sealed class MixtralArchitecture : ITextArchitecture
{
    /// <inheritdoc />
    public TextArchitecture Architecture => TextArchitecture.Mixtral;

    /// <inheritdoc />
    public DecoderPlan Plan(TextModelConfig config)
    {
        var moe = config.Experts ?? throw new InvalidOperationException("a Mixtral config always has its experts");
        return DecoderNames.Plan(config, layer =>
        {
            var prefix = $"{DecoderNames.Layer(layer)}.block_sparse_moe";
            var router = new PlannedLinear($"{prefix}.gate", "block_sparse_moe.gate", moe.ExpertCount, config.HiddenSize, HasBias: false);
            var experts = Enumerable.Range(0, moe.ExpertCount)
                .Select(expert => DecoderNames.GatedMlp(config, $"{prefix}.experts.{expert}", "block_sparse_moe.experts", ("w1", "w3", "w2"), bias: false))
                .ToArray();
            return (null, new SparseMoePlan(router, experts, moe.ExpertsPerToken));
        });
    }
}
