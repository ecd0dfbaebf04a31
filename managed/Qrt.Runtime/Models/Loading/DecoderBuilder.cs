using Qrt.Runtime.Layers;
using Qrt.Runtime.Layers.Grouped;
using Qrt.Runtime.Models.Architectures;
using Qrt.Runtime.Models.Configuration;
using Qrt.Runtime.Models.Decoder;
using Qrt.Runtime.Models.KvCache;
using Qrt.Runtime.Quantization.Schemes;

namespace Qrt.Runtime.Models.Loading;

/// <summary>Builds a <see cref="DecoderModel"/> from a checked plan, loading each tensor as its layer is made.</summary>
internal sealed class DecoderBuilder(
    TextModelConfig config, DecoderPlan plan, IReadOnlyDictionary<string, LinearScheme> schemes, CheckpointWeights weights, ILinearFactory linears)
{
    /// <summary>Positions per KV cache block, as vLLM's default.</summary>
    public const int KvBlockSize = 16;

    /// <summary>Loads every weight and assembles the network; on failure everything loaded so far is freed.</summary>
    public DecoderModel Build(int maxContextLength, int maxStepTokens = int.MaxValue)
    {
        using var build = new PartialBuild();
        var device = weights.Device;
        var embedding = build.Add(weights.Load(plan.Embedding.Name));
        var inverseFrequencies = build.Add(QrtTensor.FromData<float>(config.InverseFrequencies(), DType.F32, [config.HeadDim / 2], device));
        var layers = plan.Layers.Select(layer => build.Add(Layer(layer, inverseFrequencies))).ToArray();
        var finalNorm = build.Add(weights.Load(plan.FinalNorm.Name));
        // A tied head reads the embedding table through a view, so the table is stored once.
        var lmHead = plan.LmHead is null
            ? new DenseLinear(embedding.View(embedding.Shape, embedding.Strides))
            : build.Add(Linear(plan.LmHead));
        var cache = build.Add(new PagedKvCache(device, device.ActivationDType(), config.LayerCount, config.KeyValueHeadCount, config.HeadDim, KvBlockSize));
        return build.Complete(new DecoderModel(
            device, embedding, layers, finalNorm, lmHead, inverseFrequencies, (float)config.RmsNormEps, maxContextLength, cache,
            lmHeadTied: plan.LmHead is null, config.RopeScaling.MultimodalSections) { MaxStepTokens = maxStepTokens });
    }

    private DecoderLayer Layer(DecoderLayerPlan layer, QrtTensor inverseFrequencies)
    {
        using var build = new PartialBuild();
        var inputNorm = build.Add(weights.Load(layer.InputNorm.Name));
        var attention = build.Add(new SelfAttention(
            layer.Index,
            build.Add(Linear(layer.Attention.Query)),
            build.Add(Linear(layer.Attention.Key)),
            build.Add(Linear(layer.Attention.Value)),
            build.Add(Linear(layer.Attention.Output)),
            config.AttentionHeadCount,
            config.KeyValueHeadCount,
            config.HeadDim,
            config.SlidingWindowForLayer(layer.Index) ?? 0,
            inverseFrequencies));
        var postNorm = build.Add(weights.Load(layer.PostAttentionNorm.Name));
        GatedMlp Mlp(GatedMlpPlan mlp) => build.Add(new GatedMlp(build.Add(Linear(mlp.Gate)), build.Add(Linear(mlp.Up)), build.Add(Linear(mlp.Down))));
        IFeedForward feedForward = layer.Mlp is not null
            ? Mlp(layer.Mlp)
            : weights.Device.Backend == Backend.Cpu
                ? build.Add(new SparseMoe(build.Add(Linear(layer.Experts!.Router)), [.. layer.Experts.Experts.Select(Mlp)], layer.Experts.ExpertsPerToken))
                : build.Add(GroupedExperts(layer.Experts!));
        return build.Complete(new DecoderLayer(inputNorm, attention, postNorm, feedForward, (float)config.RmsNormEps));
    }

    /// <summary>
    /// A mixture on the device: each expert's layers are built as usual (checked, converted, repacked), then every
    /// projection is stacked across the experts for the grouped kernels and the per-expert layers are freed.
    /// </summary>
    private GroupedSparseMoe GroupedExperts(SparseMoePlan experts)
    {
        using var build = new PartialBuild();
        var router = build.Add(Linear(experts.Router));
        var perExpert = new List<ILinear[]>();
        try
        {
            foreach (var expert in experts.Experts)
            {
                perExpert.Add([Linear(expert.Gate), Linear(expert.Up), Linear(expert.Down)]);
            }

            var gate = build.Add(GroupedLinears.Stack([.. perExpert.Select(layers => layers[0])]));
            var up = build.Add(GroupedLinears.Stack([.. perExpert.Select(layers => layers[1])]));
            var down = build.Add(GroupedLinears.Stack([.. perExpert.Select(layers => layers[2])]));
            return build.Complete(new GroupedSparseMoe(router, gate, up, down, experts.Experts.Count, experts.ExpertsPerToken));
        }
        finally
        {
            foreach (var layer in perExpert.SelectMany(layers => layers))
            {
                layer.Dispose();
            }
        }
    }

    private ILinear Linear(PlannedLinear linear) => linears.Create(linear, schemes[linear.Name], weights);
}
