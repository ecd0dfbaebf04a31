using System.Globalization;
using Qrt.Runtime.Checkpoints;
using Qrt.Runtime.Json;
using Qrt.Runtime.Models.Architectures;
using Qrt.Runtime.Models.Configuration;
using Qrt.Runtime.Models.Loading;
using Qrt.Runtime.Models.Vision;
using Qrt.Runtime.Quantization.Schemes;
using Qrt.Runtime.Text;
using Qrt.Runtime.Vision.Preprocessing;
using Qrt.Runtime.Vision.Processing;

namespace Qrt.Runtime.Models.Multimodal;

/// <summary>
/// The vision tower and patch merger of a Qwen2VLForConditionalGeneration directory: vision_config and the image
/// token ids of config.json, and preprocessor_config.json.
/// </summary>
internal sealed class Qwen2VlVisionPart : IVisionPart
{
    /// <summary>What the chat template writes for an image, and a raw prompt must too.</summary>
    private const string Placeholder = "<|vision_start|><|image_pad|><|vision_end|>";

    private readonly Qwen2VlVisionConfig _config;
    private readonly Qwen2VlVisionPlan _plan;
    private readonly Dictionary<string, LinearScheme> _schemes;
    private readonly Qwen2VlImagePreprocessor _preprocessor;
    private readonly Qwen2VlImageTokenIds _ids;

    private Qwen2VlVisionPart(
        Qwen2VlVisionConfig config, Qwen2VlVisionPlan plan, Dictionary<string, LinearScheme> schemes, Qwen2VlImagePreprocessor preprocessor, Qwen2VlImageTokenIds ids)
    {
        _config = config;
        _plan = plan;
        _schemes = schemes;
        _preprocessor = preprocessor;
        _ids = ids;
        Expectations = plan.Expectations(schemes);
        ParameterCount = ParameterCounting.Of(plan.PlainTensors(), plan.Linears());
    }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, TensorExpectation> Expectations { get; }

    /// <inheritdoc />
    public long ParameterCount { get; }

    /// <summary>Reads the image side of the model in <paramref name="directory"/>, whose config.json root is <paramref name="root"/>.</summary>
    public static Qwen2VlVisionPart Read(
        JsonSection root, string directory, TextModelConfig text, Tokenizer tokenizer, QuantizationConfig quantization, CheckpointLayout layout)
    {
        var config = Qwen2VlVisionConfig.Read(root.RequiredProperty("vision_config"));
        if (config.HiddenSize != text.HiddenSize)
        {
            throw root.Error(
                "vision_config",
                string.Create(CultureInfo.InvariantCulture, $"has hidden_size {config.HiddenSize}, but the merger must produce rows of the language model's hidden_size {text.HiddenSize}"));
        }

        if (text.RopeScaling.MultimodalSections is null)
        {
            throw root.Error("rope_scaling", "has no mrope_section; Qwen2-VL's language model places image tokens with multimodal rotary positions (M-RoPE)");
        }

        var preprocessor = VisionFiles.CheckedPreprocessor(
            directory,
            () => new Qwen2VlImagePreprocessor(VisionFiles.ReadPreprocessor(directory), config.PatchSize, config.TemporalPatchSize, config.SpatialMergeSize));
        var ids = new Qwen2VlImageTokenIds(
            VisionFiles.TokenId(root, "vision_start_token_id", root.OptionalInt("vision_start_token_id"), tokenizer, "<|vision_start|>", text.VocabSize),
            VisionFiles.TokenId(root, "vision_end_token_id", root.OptionalInt("vision_end_token_id"), tokenizer, "<|vision_end|>", text.VocabSize),
            VisionFiles.TokenId(root, "image_token_id", root.OptionalInt("image_token_id"), tokenizer, "<|image_pad|>", text.VocabSize));
        var plan = Qwen2VlVisionPlan.Create(config, layout.VisionPrefix);
        return new Qwen2VlVisionPart(config, plan, plan.Schemes(quantization), preprocessor, ids);
    }

    /// <inheritdoc />
    public IImagePromptEncoder Build(CheckpointWeights weights, ILinearFactory linears)
    {
        using var build = new PartialBuild();
        var encoder = build.Add(new Qwen2VlVisionBuilder(_config, _plan, _schemes, weights, linears).Build());
        var patchEmbedding = new PlannedLinear(_plan.PatchEmbedding.Name, "visual.patch_embed", _config.EmbedDim, _config.PatchFeatures, HasBias: false);
        var schemes = SchemeSummary.Count(SchemeSummary.Pair(_plan.Linears().Prepend(patchEmbedding), encoder.Linears));
        return build.Complete(new Qwen2VlImagePrompts(_preprocessor, encoder, _ids, Placeholder, schemes, weights.Device));
    }
}
