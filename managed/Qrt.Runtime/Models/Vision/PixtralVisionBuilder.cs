using Qrt.Runtime.Layers;
using Qrt.Runtime.Models.Architectures;
using Qrt.Runtime.Models.Decoder;
using Qrt.Runtime.Models.Loading;
using Qrt.Runtime.Quantization.Schemes;

namespace Qrt.Runtime.Models.Vision;

/// <summary>
/// Builds the Pixtral encoder and the Llava projector from a checked <see cref="PixtralVisionPlan"/>, making each
/// linear layer through <paramref name="linears"/> in the scheme the checkpoint stores it in (BF16 in the seed
/// checkpoints). On failure everything loaded so far is freed.
/// </summary>
internal sealed class PixtralVisionBuilder(
    LlavaVisionConfig config, PixtralVisionPlan plan, IReadOnlyDictionary<string, LinearScheme> schemes, CheckpointWeights weights, ILinearFactory linears)
{
    /// <summary>
    /// The encoder with the blocks up to the configured feature layer (later blocks' outputs are never read, so
    /// their weights stay on disk).
    /// </summary>
    public PixtralVisionEncoder BuildEncoder()
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
            var vision = config.Vision;
            var patchEmbedding = Part(PatchEmbedding(vision));
            var preNorm = Part(weights.Load(plan.PreNorm.Name));
            var layers = plan.Layers.Take(config.FeatureLayerBlocks).Select(layer => Part(Layer(layer, vision))).ToArray();
            return new PixtralVisionEncoder(vision, patchEmbedding, preNorm, layers);
        }
        catch
        {
            foreach (var part in parts)
            {
                part.Dispose();
            }

            throw;
        }
    }

    /// <summary>The projector linear_2(GELU(linear_1(x))).</summary>
    public LlavaProjector BuildProjector()
    {
        var first = Linear(plan.ProjectorIn);
        try
        {
            return new LlavaProjector(first, Linear(plan.ProjectorOut));
        }
        catch
        {
            first.Dispose();
            throw;
        }
    }

    /// <summary>patch_conv.weight [hidden, 3, p, p] as a dense layer [hidden, 3·p·p]: the same memory, row by row.</summary>
    private DenseLinear PatchEmbedding(PixtralVisionConfig vision)
    {
        using var stored = weights.Load(plan.PatchConvolution.Name);
        using var rows = stored.Reshape([vision.HiddenSize, vision.PatchFeatures]);
        // The view cannot outlive the stored tensor, so the layer gets its own copy (a few MB at most).
        return new DenseLinear(rows.Clone());
    }

    private PixtralVisionLayer Layer(PixtralVisionLayerPlan layer, PixtralVisionConfig vision)
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
            var attentionNorm = Part(weights.Load(layer.AttentionNorm.Name));
            var query = Part(Linear(layer.Attention.Query));
            var key = Part(Linear(layer.Attention.Key));
            var value = Part(Linear(layer.Attention.Value));
            var output = Part(Linear(layer.Attention.Output));
            var ffnNorm = Part(weights.Load(layer.FfnNorm.Name));
            var mlp = layer.FeedForward;
            var feedForward = Part(new GatedMlp(Part(Linear(mlp.Gate)), Part(Linear(mlp.Up)), Part(Linear(mlp.Down))));
            return new PixtralVisionLayer(attentionNorm, query, key, value, output, ffnNorm, feedForward, vision.HeadCount, vision.HeadDim);
        }
        catch
        {
            // Disposing a part twice (the MLP and its layers) is harmless for tensors and layers.
            foreach (var part in parts)
            {
                part.Dispose();
            }

            throw;
        }
    }

    private ILinear Linear(PlannedLinear linear) => linears.Create(linear, schemes[linear.Name], weights);
}
