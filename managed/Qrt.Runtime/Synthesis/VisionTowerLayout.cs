namespace Qrt.Runtime.Synthesis;

/// <summary>
/// The tensors of a vision-language checkpoint's image side, named and shaped as on the Hugging Face hub, all BF16
/// whatever the language model's scheme (the released quantized checkpoints keep tower and projector unquantized).
/// <list type="bullet">
/// <item>Pixtral (Llava form): <c>vision_tower.patch_conv.weight</c> [hidden, 3, 16, 16], <c>vision_tower.ln_pre</c>,
/// per block <c>attention_norm</c>, <c>attention.{q,k,v,o}_proj</c>, <c>ffn_norm</c>,
/// <c>feed_forward.{gate,up,down}_proj</c> (no biases), then <c>multi_modal_projector.linear_1/linear_2</c> with biases.</item>
/// <item>Qwen2-VL: <c>visual.patch_embed.proj.weight</c> [embed, 3, 2, 14, 14], per block LayerNorms <c>norm1</c>/<c>norm2</c>
/// and <c>attn.qkv</c>, <c>attn.proj</c>, <c>mlp.fc1</c>, <c>mlp.fc2</c> (all with biases), then <c>visual.merger.ln_q</c>,
/// <c>merger.mlp.0</c> and <c>merger.mlp.2</c>.</item>
/// </list>
/// </summary>
internal static class VisionTowerLayout
{
    /// <summary>Pixtral's patch side and the input channels.</summary>
    public const int PixtralPatchSize = 16;

    /// <summary>Qwen2-VL's patch side.</summary>
    public const int Qwen2VlPatchSize = 14;

    /// <summary>Qwen2-VL's pictures per temporal patch.</summary>
    public const int Qwen2VlTemporalPatchSize = 2;

    /// <summary>Qwen2-VL's patches per side of one merged token.</summary>
    public const int Qwen2VlMergeSize = 2;

    private const int Channels = 3;

    /// <summary>
    /// Every linear layer of the tower and projector, with whether it has a bias; empty for a text architecture.
    /// </summary>
    public static IReadOnlyList<(LinearLayer Layer, bool HasBias)> Linears(SyntheticArchitecture architecture, ModelDimensions dims)
    {
        if (!architecture.IsVisionLanguage())
        {
            return [];
        }

        var vision = dims.Vision ?? throw new ArgumentException($"{architecture.Name()} needs vision dimensions", nameof(dims));
        var (hidden, intermediate, textHidden) = (vision.HiddenSize, vision.IntermediateSize, dims.HiddenSize);
        var linears = new List<(LinearLayer, bool)>();
        if (architecture == SyntheticArchitecture.Pixtral)
        {
            for (var i = 0; i < vision.LayerCount; i++)
            {
                var block = $"vision_tower.transformer.layers.{i}";
                foreach (var projection in new[] { "q_proj", "k_proj", "v_proj", "o_proj" })
                {
                    linears.Add((new($"{block}.attention.{projection}", hidden, hidden), false));
                }

                linears.Add((new($"{block}.feed_forward.gate_proj", intermediate, hidden), false));
                linears.Add((new($"{block}.feed_forward.up_proj", intermediate, hidden), false));
                linears.Add((new($"{block}.feed_forward.down_proj", hidden, intermediate), false));
            }

            linears.Add((new("multi_modal_projector.linear_1", textHidden, hidden), true));
            linears.Add((new("multi_modal_projector.linear_2", textHidden, textHidden), true));
            return linears;
        }

        for (var i = 0; i < vision.LayerCount; i++)
        {
            var block = $"visual.blocks.{i}";
            linears.Add((new($"{block}.attn.qkv", 3 * hidden, hidden), true));
            linears.Add((new($"{block}.attn.proj", hidden, hidden), true));
            linears.Add((new($"{block}.mlp.fc1", intermediate, hidden), true));
            linears.Add((new($"{block}.mlp.fc2", hidden, intermediate), true));
        }

        // The merger folds a merge x merge window of patches into one row before its MLP.
        var merged = hidden * Qwen2VlMergeSize * Qwen2VlMergeSize;
        linears.Add((new("visual.merger.mlp.0", merged, merged), true));
        linears.Add((new("visual.merger.mlp.2", textHidden, merged), true));
        return linears;
    }

    /// <summary>Every tensor of the tower and projector (BF16); empty for a text architecture.</summary>
    public static IEnumerable<PlannedTensor> Plan(SyntheticArchitecture architecture, ModelDimensions dims)
    {
        if (!architecture.IsVisionLanguage())
        {
            yield break;
        }

        var vision = dims.Vision!;
        long hidden = vision.HiddenSize;
        if (architecture == SyntheticArchitecture.Pixtral)
        {
            yield return Dense("vision_tower.patch_conv.weight", [hidden, Channels, PixtralPatchSize, PixtralPatchSize], DenseInit.Weight);
            yield return Dense("vision_tower.ln_pre.weight", [hidden], DenseInit.Ones);
            for (var i = 0; i < vision.LayerCount; i++)
            {
                yield return Dense($"vision_tower.transformer.layers.{i}.attention_norm.weight", [hidden], DenseInit.Ones);
                yield return Dense($"vision_tower.transformer.layers.{i}.ffn_norm.weight", [hidden], DenseInit.Ones);
            }
        }
        else
        {
            yield return Dense(
                "visual.patch_embed.proj.weight", [hidden, Channels, Qwen2VlTemporalPatchSize, Qwen2VlPatchSize, Qwen2VlPatchSize], DenseInit.Weight);
            for (var i = 0; i < vision.LayerCount; i++)
            {
                foreach (var norm in new[] { "norm1", "norm2" })
                {
                    yield return Dense($"visual.blocks.{i}.{norm}.weight", [hidden], DenseInit.Ones);
                    yield return Dense($"visual.blocks.{i}.{norm}.bias", [hidden], DenseInit.Bias);
                }
            }

            yield return Dense("visual.merger.ln_q.weight", [hidden], DenseInit.Ones);
            yield return Dense("visual.merger.ln_q.bias", [hidden], DenseInit.Bias);
        }

        foreach (var (layer, hasBias) in Linears(architecture, dims))
        {
            yield return Dense($"{layer.Name}.weight", [layer.OutFeatures, layer.InFeatures], DenseInit.Weight);
            if (hasBias)
            {
                yield return Dense($"{layer.Name}.bias", [layer.OutFeatures], DenseInit.Bias);
            }
        }
    }

    private static PlannedTensor Dense(string name, long[] shape, DenseInit init) => new DenseRecipe(name, shape, init).Plan();
}
