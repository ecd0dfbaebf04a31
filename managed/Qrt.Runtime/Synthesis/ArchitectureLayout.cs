namespace Qrt.Runtime.Synthesis;

/// <summary>One linear layer of a model: its module name and weight shape [out, in].</summary>
internal sealed record LinearLayer(string Name, int OutFeatures, int InFeatures);

/// <summary>
/// The tensors of a decoder checkpoint, named as on the Hugging Face hub: model.embed_tokens, per layer the two
/// RMSNorms, self_attn.{q,k,v,o}_proj (with q/k/v biases for Qwen2 and Qwen2-VL), mlp.{gate,up,down}_proj or
/// Mixtral's block_sparse_moe (gate = router, experts.{e}.w1 gate / w3 up / w2 down), model.norm and lm_head
/// (absent when the embeddings are tied). Pixtral's decoder carries the <c>language_model.</c> prefix; a
/// vision-language checkpoint adds its tower from <see cref="VisionTowerLayout" />.
/// </summary>
internal static class ArchitectureLayout
{
    /// <summary>Whether the architecture ties lm_head to the embeddings (small Qwen2 models do; Qwen2-VL-7B and up do not).</summary>
    public static bool TiesWordEmbeddings(SyntheticArchitecture architecture) => architecture == SyntheticArchitecture.Qwen2;

    /// <summary>The linear layers the quantization scheme applies to (lm_head and Mixtral's routers excluded).</summary>
    public static IReadOnlyList<LinearLayer> QuantizedLinears(SyntheticArchitecture architecture, ModelDimensions dims)
    {
        var layers = new List<LinearLayer>();
        var attentionWidth = dims.AttentionHeadCount * dims.HeadDim;
        var kvWidth = dims.KeyValueHeadCount * dims.HeadDim;
        for (var i = 0; i < dims.LayerCount; i++)
        {
            var prefix = $"{architecture.TextPrefix()}model.layers.{i}";
            layers.Add(new($"{prefix}.self_attn.q_proj", attentionWidth, dims.HiddenSize));
            layers.Add(new($"{prefix}.self_attn.k_proj", kvWidth, dims.HiddenSize));
            layers.Add(new($"{prefix}.self_attn.v_proj", kvWidth, dims.HiddenSize));
            layers.Add(new($"{prefix}.self_attn.o_proj", dims.HiddenSize, attentionWidth));
            if (architecture == SyntheticArchitecture.Mixtral)
            {
                for (var e = 0; e < dims.ExpertCount; e++)
                {
                    var expert = $"{prefix}.block_sparse_moe.experts.{e}";
                    layers.Add(new($"{expert}.w1", dims.IntermediateSize, dims.HiddenSize));
                    layers.Add(new($"{expert}.w2", dims.HiddenSize, dims.IntermediateSize));
                    layers.Add(new($"{expert}.w3", dims.IntermediateSize, dims.HiddenSize));
                }
            }
            else
            {
                layers.Add(new($"{prefix}.mlp.gate_proj", dims.IntermediateSize, dims.HiddenSize));
                layers.Add(new($"{prefix}.mlp.up_proj", dims.IntermediateSize, dims.HiddenSize));
                layers.Add(new($"{prefix}.mlp.down_proj", dims.HiddenSize, dims.IntermediateSize));
            }
        }

        return layers;
    }

    /// <summary>Mixtral's router of each layer (kept in BF16 by every scheme); empty for dense architectures.</summary>
    public static IReadOnlyList<LinearLayer> Routers(SyntheticArchitecture architecture, ModelDimensions dims) =>
        architecture == SyntheticArchitecture.Mixtral
            ? [.. Enumerable.Range(0, dims.LayerCount).Select(i => new LinearLayer($"model.layers.{i}.block_sparse_moe.gate", dims.ExpertCount, dims.HiddenSize))]
            : [];

    /// <summary>Every tensor of the checkpoint, in name order (the order safetensors files list them).</summary>
    public static IReadOnlyList<PlannedTensor> Plan(SyntheticArchitecture architecture, SyntheticScheme scheme, ModelDimensions dims)
    {
        var prefix = architecture.TextPrefix();
        var tensors = new List<PlannedTensor>
        {
            new DenseRecipe($"{prefix}model.embed_tokens.weight", [dims.VocabSize, dims.HiddenSize], DenseInit.Weight).Plan(),
            new DenseRecipe($"{prefix}model.norm.weight", [dims.HiddenSize], DenseInit.Ones).Plan(),
        };
        if (!TiesWordEmbeddings(architecture))
        {
            tensors.Add(new DenseRecipe(LmHeadName(architecture) + ".weight", [dims.VocabSize, dims.HiddenSize], DenseInit.Weight).Plan());
        }

        for (var i = 0; i < dims.LayerCount; i++)
        {
            tensors.Add(new DenseRecipe($"{prefix}model.layers.{i}.input_layernorm.weight", [dims.HiddenSize], DenseInit.Ones).Plan());
            tensors.Add(new DenseRecipe($"{prefix}model.layers.{i}.post_attention_layernorm.weight", [dims.HiddenSize], DenseInit.Ones).Plan());
        }

        foreach (var router in Routers(architecture, dims))
        {
            tensors.Add(new DenseRecipe($"{router.Name}.weight", [router.OutFeatures, router.InFeatures], DenseInit.Weight).Plan());
        }

        foreach (var linear in QuantizedLinears(architecture, dims))
        {
            tensors.AddRange(new LinearRecipe(linear.Name, linear.OutFeatures, linear.InFeatures, scheme, dims.GroupSizeFor(scheme)).Plan());
            if (architecture.TextFamily() == SyntheticArchitecture.Qwen2 && linear.Name.EndsWith("_proj", StringComparison.Ordinal) && linear.Name.Contains(".self_attn.", StringComparison.Ordinal) && !linear.Name.EndsWith("o_proj", StringComparison.Ordinal))
            {
                tensors.Add(new DenseRecipe($"{linear.Name}.bias", [linear.OutFeatures], DenseInit.Bias).Plan());
            }
        }

        tensors.AddRange(VisionTowerLayout.Plan(architecture, dims));
        tensors.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return tensors;
    }

    /// <summary>The output projection's module name: "lm_head", or "language_model.lm_head" under Llava.</summary>
    public static string LmHeadName(SyntheticArchitecture architecture) => $"{architecture.TextPrefix()}lm_head";
}
