using Qrt.Runtime.Synthesis.Tokenizers;

namespace Qrt.Runtime.Synthesis;

/// <summary>
/// config.json of the vision-language architectures, as their hub repositories lay it out:
/// <list type="bullet">
/// <item>Pixtral (mistral-community/pixtral-12b): a Llava root with the image token id, projector settings and
/// the quantization_config, the Mistral language model in <c>text_config</c> and the tower in <c>vision_config</c>.</item>
/// <item>Qwen2-VL (Qwen/Qwen2-VL-*-Instruct, transformers 4.46): the Qwen2 keys at the top with M-RoPE sections,
/// the vision token ids, untied embeddings, and the tower in <c>vision_config</c>.</item>
/// </list>
/// </summary>
internal static class VisionLanguageConfigJson
{
    /// <summary>Pixtral's config.json.</summary>
    public static JsonEntries Pixtral(ModelDimensions dims, SyntheticVocabulary vocabulary, JsonEntries? quantization)
    {
        var vision = dims.Vision!;

        // The nested config keeps the language model's own keys; the class name and version live at the top.
        var text = ModelConfigJson.Config(SyntheticArchitecture.Mistral, dims, vocabulary, quantization: null)
            .Remove("architectures")
            .Remove("transformers_version");
        var tower = new JsonEntries()
            .Set("attention_dropout", 0.0)
            .Set("head_dim", vision.HeadDim)
            .Set("hidden_act", "silu")
            .Set("hidden_size", vision.HiddenSize)
            .Set("image_size", 1024)
            .Set("intermediate_size", vision.IntermediateSize)
            .Set("model_type", "pixtral")
            .Set("num_attention_heads", vision.HeadCount)
            .Set("num_channels", 3)
            .Set("num_hidden_layers", vision.LayerCount)
            .Set("patch_size", VisionTowerLayout.PixtralPatchSize)
            .Set("rope_theta", 10000.0);
        var config = new JsonEntries()
            .Set("architectures", [ModelConfigJson.ClassName(SyntheticArchitecture.Pixtral)])
            .Set("ignore_index", -100)
            .Set("image_seq_length", 1)
            .Set("image_token_index", vocabulary.IdOf(VisionTokens.PixtralImage))
            .Set("model_type", "llava")
            .Set("multimodal_projector_bias", true)
            .Set("projector_hidden_act", "gelu")
            .Set("text_config", text)
            .Set("torch_dtype", "bfloat16")
            .Set("transformers_version", ModelConfigJson.TransformersVersion)
            .Set("vision_config", tower)
            .Set("vision_feature_layer", -1)
            .Set("vision_feature_select_strategy", "full");
        return quantization is null ? config : config.Set("quantization_config", quantization);
    }

    /// <summary>Qwen2-VL's config.json.</summary>
    public static JsonEntries Qwen2Vl(ModelDimensions dims, SyntheticVocabulary vocabulary, JsonEntries? quantization)
    {
        var vision = dims.Vision!;
        var tower = new JsonEntries()
            .Set("depth", vision.LayerCount)
            .Set("embed_dim", vision.HiddenSize)
            .Set("hidden_act", "quick_gelu")
            .Set("hidden_size", dims.HiddenSize)
            .Set("in_channels", 3)
            .Set("in_chans", 3)
            .Set("mlp_ratio", vision.IntermediateSize / vision.HiddenSize)
            .Set("model_type", "qwen2_vl")
            .Set("num_heads", vision.HeadCount)
            .Set("patch_size", VisionTowerLayout.Qwen2VlPatchSize)
            .Set("spatial_merge_size", VisionTowerLayout.Qwen2VlMergeSize)
            .Set("spatial_patch_size", VisionTowerLayout.Qwen2VlPatchSize)
            .Set("temporal_patch_size", VisionTowerLayout.Qwen2VlTemporalPatchSize);
        return ModelConfigJson.Config(SyntheticArchitecture.Qwen2, dims, vocabulary, quantization)
            .Set("architectures", [ModelConfigJson.ClassName(SyntheticArchitecture.Qwen2Vl)])
            .Set("image_token_id", vocabulary.IdOf(VisionTokens.Qwen2VlImage))
            .Set("model_type", "qwen2_vl")
            .Set("rope_scaling", new JsonEntries().SetInts("mrope_section", MropeSections(dims.HeadDim)).Set("type", "mrope"))
            .Set("tie_word_embeddings", false)
            .Set("video_token_id", vocabulary.IdOf(VisionTokens.Qwen2VlVideo))
            .Set("vision_config", tower)
            .Set("vision_end_token_id", vocabulary.IdOf(VisionTokens.Qwen2VlVisionEnd))
            .Set("vision_start_token_id", vocabulary.IdOf(VisionTokens.Qwen2VlVisionStart))
            .Set("vision_token_id", vocabulary.IdOf(VisionTokens.Qwen2VlVisionPad));
    }

    /// <summary>
    /// The temporal, height and width shares of the head_dim / 2 rotary frequencies in the released models'
    /// proportions, 16 : 24 : 24 of 64 (so [4, 6, 6] for a head of 32); the height and width shares absorb rounding.
    /// </summary>
    public static int[] MropeSections(int headDim)
    {
        var half = headDim / 2;
        var temporal = Math.Max(1, half / 4);
        var height = (half - temporal) / 2;
        return [temporal, height, half - temporal - height];
    }
}
