namespace Qrt.Runtime.Synthesis;

/// <summary>
/// config.json's quantization_config as llm-compressor (compressed-tensors) or AutoFP8 writes it for each
/// scheme. lm_head, Mixtral's routers and a vision-language model's tower and projector stay BF16:
/// compressed-tensors lists them in <c>ignore</c> (as the released Pixtral and Qwen2-VL recipes do), AutoFP8
/// names every ignored module in <c>ignored_layers</c>.
/// </summary>
internal static class QuantizationConfigJson
{
    /// <summary>The compressed-tensors version the layout follows.</summary>
    private const string CompressedTensorsVersion = "0.9.1";

    /// <summary>
    /// The section for <paramref name="scheme" />, or null for BF16. <paramref name="compressionRatio" /> is the
    /// BF16 size of the quantized layers over their stored size (llm-compressor's global_compression_ratio).
    /// </summary>
    public static JsonEntries? Build(SyntheticArchitecture architecture, SyntheticScheme scheme, ModelDimensions dims, double compressionRatio)
    {
        if (scheme == SyntheticScheme.Bf16)
        {
            return null;
        }

        if (scheme == SyntheticScheme.AutoFp8)
        {
            return new JsonEntries()
                .Set("activation_scheme", "static")
                .Set("ignored_layers", [
                    ArchitectureLayout.LmHeadName(architecture),
                    .. ArchitectureLayout.Routers(architecture, dims).Select(router => router.Name),
                    .. VisionTowerLayout.Linears(architecture, dims).Select(linear => linear.Layer.Name)])
                .Set("quant_method", "fp8");
        }

        string[] ignore = architecture switch
        {
            SyntheticArchitecture.Mixtral => ["lm_head", "re:.*block_sparse_moe.gate"],
            SyntheticArchitecture.Pixtral => ["re:.*lm_head", "re:vision_tower.*", "re:multi_modal_projector.*"],
            SyntheticArchitecture.Qwen2Vl => ["lm_head", "re:visual.*"],
            _ => ["lm_head"],
        };
        (JsonEntries Weights, JsonEntries? Input, string Format) spec = scheme switch
        {
            SyntheticScheme.W4A16 => (Args("int", 4, "group", dims.GroupSizeFor(scheme), symmetric: true, dynamic: false, actOrder: null), null, "pack-quantized"),
            SyntheticScheme.W4A16Asym => (Args("int", 4, "group", dims.GroupSizeFor(scheme), symmetric: false, dynamic: false, actOrder: null), null, "pack-quantized"),
            SyntheticScheme.W4A16ActOrder => (Args("int", 4, "group", dims.GroupSizeFor(scheme), symmetric: true, dynamic: false, actOrder: "group"), null, "pack-quantized"),
            SyntheticScheme.W8A8Int8 => (Args("int", 8, "channel", null, true, false, null), Args("int", 8, "token", null, true, true, null), "int-quantized"),
            SyntheticScheme.W8A8Int8Static => (Args("int", 8, "channel", null, true, false, null), Args("int", 8, "tensor", null, true, false, null), "int-quantized"),
            SyntheticScheme.Fp8 => (Args("float", 8, "channel", null, true, false, null), Args("float", 8, "token", null, true, true, null), "float-quantized"),
            _ => (Args("float", 8, "tensor", null, true, false, null), Args("float", 8, "tensor", null, true, false, null), "float-quantized"),
        };

        var (weights, input, format) = spec;
        var group = new JsonEntries()
            .Set("targets", ["Linear"])
            .Set("weights", weights)
            .SetNull("output_activations");
        if (input is null)
        {
            group.SetNull("input_activations");
        }
        else
        {
            group.Set("input_activations", input);
        }

        return new JsonEntries()
            .Set("config_groups", new JsonEntries().Set("group_0", group))
            .Set("format", format)
            .Set("global_compression_ratio", Math.Round(compressionRatio, 4))
            .Set("ignore", ignore)
            .SetNull("kv_cache_scheme")
            .Set("quant_method", "compressed-tensors")
            .Set("quantization_status", "compressed")
            .Set("sparsity_config", new JsonEntries())
            .Set("version", CompressedTensorsVersion);
    }

    /// <summary>A QuantizationArgs object with every key compressed-tensors writes.</summary>
    private static JsonEntries Args(string type, int bits, string strategy, int? groupSize, bool symmetric, bool dynamic, string? actOrder)
    {
        var args = new JsonEntries()
            .Set("actorder", actOrder)
            .SetNull("block_structure")
            .Set("dynamic", dynamic)
            .Set("num_bits", bits)
            .Set("observer", dynamic ? null : "minmax")
            .Set("observer_kwargs", new JsonEntries())
            .Set("strategy", strategy)
            .Set("symmetric", symmetric)
            .Set("type", type);
        return groupSize is { } size ? args.Set("group_size", size) : args.SetNull("group_size");
    }
}
