using Qrt.Runtime.Synthesis.Tokenizers;

namespace Qrt.Runtime.Synthesis;

/// <summary>
/// The processor files of a vision-language checkpoint: preprocessor_config.json (PixtralImageProcessor or
/// Qwen2VLImageProcessor, with the released models' values), chat_template.json (the processor's own copy of the
/// chat template, which transformers' processors read and the released checkpoints ship) and, for Pixtral,
/// processor_config.json naming its image tokens. A text architecture has none of them.
/// </summary>
internal static class ProcessorConfigJson
{
    /// <summary>preprocessor_config.json.</summary>
    public const string PreprocessorFileName = "preprocessor_config.json";

    /// <summary>processor_config.json.</summary>
    public const string ProcessorFileName = "processor_config.json";

    /// <summary>chat_template.json.</summary>
    public const string ChatTemplateFileName = "chat_template.json";

    // OpenAI CLIP's mean and standard deviation, which both processors use.
    private static readonly double[] ClipMean = [0.48145466, 0.4578275, 0.40821073];
    private static readonly double[] ClipStd = [0.26862954, 0.26130258, 0.27577711];

    /// <summary>Writes the files <paramref name="architecture" /> has into <paramref name="directory" />; returns their paths.</summary>
    public static IReadOnlyList<string> Write(string directory, SyntheticArchitecture architecture, string chatTemplate)
    {
        if (!architecture.IsVisionLanguage())
        {
            return [];
        }

        var preprocessorPath = Path.Combine(directory, PreprocessorFileName);
        var chatTemplatePath = Path.Combine(directory, ChatTemplateFileName);
        new JsonEntries().Set("chat_template", chatTemplate).WriteFile(chatTemplatePath);
        if (architecture == SyntheticArchitecture.Qwen2Vl)
        {
            Qwen2VlPreprocessor().WriteFile(preprocessorPath);
            return [preprocessorPath, chatTemplatePath];
        }

        var processorPath = Path.Combine(directory, ProcessorFileName);
        PixtralPreprocessor().WriteFile(preprocessorPath);
        PixtralProcessor().WriteFile(processorPath);
        return [preprocessorPath, processorPath, chatTemplatePath];
    }

    /// <summary>PixtralImageProcessor: images capped at 1024 on the longest edge, cut in 16-pixel patches.</summary>
    private static JsonEntries PixtralPreprocessor() => Common()
        .Set("image_processor_type", "PixtralImageProcessor")
        .Set("patch_size", new JsonEntries().Set("height", VisionTowerLayout.PixtralPatchSize).Set("width", VisionTowerLayout.PixtralPatchSize))
        .Set("processor_class", "PixtralProcessor")
        .Set("size", new JsonEntries().Set("longest_edge", 1024));

    /// <summary>PixtralProcessor: the tokens an image expands to.</summary>
    private static JsonEntries PixtralProcessor() => new JsonEntries()
        .Set("image_break_token", VisionTokens.PixtralImageBreak)
        .Set("image_end_token", VisionTokens.PixtralImageEnd)
        .Set("image_token", VisionTokens.PixtralImage)
        .Set("patch_size", VisionTowerLayout.PixtralPatchSize)
        .Set("processor_class", "PixtralProcessor");

    /// <summary>Qwen2VLImageProcessor: between 56² and 3584² pixels, 14-pixel patches merged 2 × 2, 2 frames per patch.</summary>
    private static JsonEntries Qwen2VlPreprocessor() => Common()
        .Set("image_processor_type", "Qwen2VLImageProcessor")
        .Set("max_pixels", 12845056)
        .Set("merge_size", VisionTowerLayout.Qwen2VlMergeSize)
        .Set("min_pixels", 3136)
        .Set("patch_size", VisionTowerLayout.Qwen2VlPatchSize)
        .Set("processor_class", "Qwen2VLProcessor")
        .Set("temporal_patch_size", VisionTowerLayout.Qwen2VlTemporalPatchSize);

    /// <summary>The keys both processors share: RGB, bicubic resize, 1/255, CLIP normalisation.</summary>
    private static JsonEntries Common() => new JsonEntries()
        .Set("do_convert_rgb", true)
        .Set("do_normalize", true)
        .Set("do_rescale", true)
        .Set("do_resize", true)
        .SetNumbers("image_mean", ClipMean)
        .SetNumbers("image_std", ClipStd)
        .Set("resample", 3)
        .Set("rescale_factor", 1.0 / 255.0);
}
