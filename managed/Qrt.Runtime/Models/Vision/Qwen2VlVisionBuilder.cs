using Qrt.Runtime.Layers;
using Qrt.Runtime.Models.Architectures;
using Qrt.Runtime.Models.Loading;
using Qrt.Runtime.Quantization.Schemes;

namespace Qrt.Runtime.Models.Vision;

/// <summary>
/// Builds the Qwen2-VL vision tower and patch merger from a checked <see cref="Qwen2VlVisionPlan"/>, making each
/// linear layer through <paramref name="linears"/> in the scheme the checkpoint stores it in (BF16 in the seed
/// checkpoints). On failure everything loaded so far is freed.
/// </summary>
internal sealed class Qwen2VlVisionBuilder(
    Qwen2VlVisionConfig config, Qwen2VlVisionPlan plan, IReadOnlyDictionary<string, LinearScheme> schemes, CheckpointWeights weights, ILinearFactory linears)
{
    /// <summary>The tower with every block, and the merger.</summary>
    public Qwen2VlVisionEncoder Build()
    {
        using var build = new PartialBuild();
        var patchEmbedding = build.Add(PatchEmbedding());
        var blocks = plan.Blocks.Select(block => build.Add(Block(block))).ToArray();
        var merger = build.Add(Merger());
        return build.Complete(new Qwen2VlVisionEncoder(config, patchEmbedding, blocks, merger));
    }

    /// <summary>patch_embed.proj.weight [embed, C, t, p, p] as a dense layer [embed, C·t·p·p]: the same memory, row by row.</summary>
    private DenseLinear PatchEmbedding()
    {
        using var stored = weights.Load(plan.PatchEmbedding.Name);
        using var rows = stored.Reshape([config.EmbedDim, config.PatchFeatures]);
        // The view cannot outlive the stored tensor, so the layer gets its own copy (a few MB at most).
        return new DenseLinear(rows.Clone());
    }

    private Qwen2VlVisionBlock Block(Qwen2VlVisionBlockPlan block)
    {
        using var build = new PartialBuild();
        var norm1 = build.Add(Norm(block.Norm1Weight, block.Norm1Bias));
        var qkv = build.Add(Linear(block.Qkv));
        var proj = build.Add(Linear(block.Proj));
        var norm2 = build.Add(Norm(block.Norm2Weight, block.Norm2Bias));
        var fc1 = build.Add(Linear(block.Fc1));
        var fc2 = build.Add(Linear(block.Fc2));
        return build.Complete(new Qwen2VlVisionBlock(norm1, qkv, proj, norm2, fc1, fc2, config.HiddenAct, config.HeadCount, config.HeadDim));
    }

    private Qwen2VlPatchMerger Merger()
    {
        using var build = new PartialBuild();
        var norm = build.Add(Norm(plan.MergerNormWeight, plan.MergerNormBias));
        var first = build.Add(Linear(plan.MergerIn));
        return build.Complete(new Qwen2VlPatchMerger(norm, first, Linear(plan.MergerOut), config.MergeUnit));
    }

    private Qwen2VlLayerNorm Norm(PlannedTensor weight, PlannedTensor bias)
    {
        using var build = new PartialBuild();
        var loadedWeight = build.Add(weights.Load(weight.Name));
        return build.Complete(new Qwen2VlLayerNorm(loadedWeight, weights.Load(bias.Name)));
    }

    private ILinear Linear(PlannedLinear linear) => linears.Create(linear, schemes[linear.Name], weights);
}
