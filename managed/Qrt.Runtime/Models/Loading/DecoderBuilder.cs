using Qrt.Runtime.Layers;
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

    private readonly List<IDisposable> _built = [];

    /// <summary>Loads every weight and assembles the network; on failure everything loaded so far is freed.</summary>
    public DecoderModel Build(int maxContextLength)
    {
        try
        {
            var device = weights.Device;
            var embedding = Keep(weights.Load(plan.Embedding.Name));
            var inverseFrequencies = Keep(QrtTensor.FromData<float>(config.InverseFrequencies(), DType.F32, [config.HeadDim / 2], device));
            var layers = plan.Layers.Select(layer => Keep(Layer(layer, inverseFrequencies))).ToArray();
            var finalNorm = Keep(weights.Load(plan.FinalNorm.Name));
            // A tied head reads the embedding table through a view, so the table is stored once.
            var lmHead = plan.LmHead is null
                ? new DenseLinear(embedding.View(embedding.Shape, embedding.Strides))
                : Keep(Linear(plan.LmHead));
            var cache = new PagedKvCache(device, DType.F32, config.LayerCount, config.KeyValueHeadCount, config.HeadDim, KvBlockSize);
            weights.Finish();
            return new DecoderModel(device, embedding, layers, finalNorm, lmHead, inverseFrequencies, (float)config.RmsNormEps, maxContextLength, cache, lmHeadTied: plan.LmHead is null, config.RopeScaling.MultimodalSections);
        }
        catch
        {
            foreach (var part in _built)
            {
                part.Dispose();
            }

            throw;
        }
    }

    private DecoderLayer Layer(DecoderLayerPlan layer, QrtTensor inverseFrequencies)
    {
        var parts = new List<IDisposable>();
        T Part<T>(T part)
            where T : IDisposable
        {
            parts.Add(part);
            return part;
        }

        try
        {
            var inputNorm = Part(weights.Load(layer.InputNorm.Name));
            var attention = Part(new SelfAttention(
                layer.Index,
                Part(Linear(layer.Attention.Query)),
                Part(Linear(layer.Attention.Key)),
                Part(Linear(layer.Attention.Value)),
                Part(Linear(layer.Attention.Output)),
                config.AttentionHeadCount,
                config.KeyValueHeadCount,
                config.HeadDim,
                config.SlidingWindowForLayer(layer.Index) ?? 0,
                inverseFrequencies));
            var postNorm = Part(weights.Load(layer.PostAttentionNorm.Name));
            GatedMlp Mlp(GatedMlpPlan mlp) => Part(new GatedMlp(Part(Linear(mlp.Gate)), Part(Linear(mlp.Up)), Part(Linear(mlp.Down))));
            IFeedForward feedForward = layer.Mlp is not null
                ? Mlp(layer.Mlp)
                : Part(new SparseMoe(Part(Linear(layer.Experts!.Router)), [.. layer.Experts.Experts.Select(Mlp)], layer.Experts.ExpertsPerToken));
            return new DecoderLayer(inputNorm, attention, postNorm, feedForward, (float)config.RmsNormEps);
        }
        catch
        {
            // Composite parts dispose their children too; disposing twice is harmless for tensors and layers.
            foreach (var part in parts)
            {
                part.Dispose();
            }

            throw;
        }
    }

    private ILinear Linear(PlannedLinear linear) => linears.Create(linear, schemes[linear.Name], weights);

    private T Keep<T>(T part)
        where T : IDisposable
    {
        _built.Add(part);
        return part;
    }
}
