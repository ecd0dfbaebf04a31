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
        using var build = new PartialBuild();
        var vision = config.Vision;
        var patchEmbedding = build.Add(PatchEmbedding(vision));
        var preNorm = build.Add(weights.Load(plan.PreNorm.Name));
        var layers = plan.Layers.Take(config.FeatureLayerBlocks).Select(layer => build.Add(Layer(layer, vision))).ToArray();
        return build.Complete(new PixtralVisionEncoder(vision, patchEmbedding, preNorm, layers));
    }

    /// <summary>The projector linear_2(GELU(linear_1(x))).</summary>
    public LlavaProjector BuildProjector()
    {
        using var build = new PartialBuild();
        var first = build.Add(Linear(plan.ProjectorIn));
        return build.Complete(new LlavaProjector(first, Linear(plan.ProjectorOut)));
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
        using var build = new PartialBuild();
        var attentionNorm = build.Add(weights.Load(layer.AttentionNorm.Name));
        var query = build.Add(Linear(layer.Attention.Query));
        var key = build.Add(Linear(layer.Attention.Key));
        var value = build.Add(Linear(layer.Attention.Value));
        var output = build.Add(Linear(layer.Attention.Output));
        var ffnNorm = build.Add(weights.Load(layer.FfnNorm.Name));
        var mlp = layer.FeedForward;
        var feedForward = build.Add(new GatedMlp(build.Add(Linear(mlp.Gate)), build.Add(Linear(mlp.Up)), build.Add(Linear(mlp.Down))));
        return build.Complete(new PixtralVisionLayer(attentionNorm, query, key, value, output, ffnNorm, feedForward, vision.HeadCount, vision.HeadDim));
    }

    private ILinear Linear(PlannedLinear linear) => linears.Create(linear, schemes[linear.Name], weights);
}
