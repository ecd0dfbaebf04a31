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
/// The Pixtral tower and Llava projector of a LlavaForConditionalGeneration directory: vision_config and the
/// projector keys of config.json, preprocessor_config.json, the image tokens of processor_config.json and the
/// tokenizer.
/// </summary>
internal sealed class PixtralVisionPart : IVisionPart
{
    private readonly LlavaVisionConfig _config;
    private readonly PixtralVisionPlan _plan;
    private readonly Dictionary<string, LinearScheme> _schemes;
    private readonly PixtralImagePreprocessor _preprocessor;
    private readonly PixtralImageTokenIds _ids;
    private readonly string _placeholder;

    private PixtralVisionPart(
        LlavaVisionConfig config, PixtralVisionPlan plan, Dictionary<string, LinearScheme> schemes, PixtralImagePreprocessor preprocessor,
        PixtralImageTokenIds ids, string placeholder)
    {
        _config = config;
        _plan = plan;
        _schemes = schemes;
        _preprocessor = preprocessor;
        _ids = ids;
        _placeholder = placeholder;
        Expectations = plan.Expectations(schemes);
        ParameterCount = ParameterCounting.Of(plan.PlainTensors(), plan.Linears());
    }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, TensorExpectation> Expectations { get; }

    /// <inheritdoc />
    public long ParameterCount { get; }

    /// <summary>Reads the image side of the model in <paramref name="directory"/>, whose config.json root is <paramref name="root"/>.</summary>
    public static PixtralVisionPart Read(
        JsonSection root, string directory, TextModelConfig text, Tokenizer tokenizer, QuantizationConfig quantization, CheckpointLayout layout)
    {
        var config = LlavaVisionConfig.Read(root);
        var plan = PixtralVisionPlan.Create(config, text.HiddenSize, layout.VisionPrefix, layout.ProjectorPrefix);
        var preprocessor = VisionFiles.CheckedPreprocessor(directory, () => new PixtralImagePreprocessor(VisionFiles.ReadPreprocessor(directory), config.Vision.PatchSize));

        // processor_config.json names the three tokens (the Pixtral processor's defaults are these names); a break or end
        // token the tokenizer lacks is reported against that file, where its name comes from.
        var processor = VisionFiles.ReadProcessor(directory);
        var imageToken = processor?.OptionalString("image_token") ?? "[IMG]";
        var breakToken = processor?.OptionalString("image_break_token") ?? "[IMG_BREAK]";
        var endToken = processor?.OptionalString("image_end_token") ?? "[IMG_END]";
        var configured = root.OptionalInt("image_token_index") ?? root.OptionalInt("image_token_id");
        var imageKey = root.Property("image_token_index").IsNull ? "image_token_id" : "image_token_index";
        var ids = new PixtralImageTokenIds(
            VisionFiles.TokenId(root, imageKey, configured, tokenizer, imageToken, text.VocabSize),
            VisionFiles.TokenId(processor ?? root, "image_break_token", null, tokenizer, breakToken, text.VocabSize),
            VisionFiles.TokenId(processor ?? root, "image_end_token", null, tokenizer, endToken, text.VocabSize));
        return new PixtralVisionPart(config, plan, plan.Schemes(quantization), preprocessor, ids, imageToken);
    }

    /// <inheritdoc />
    public IImagePromptEncoder Build(CheckpointWeights weights, ILinearFactory linears)
    {
        using var build = new PartialBuild();
        var builder = new PixtralVisionBuilder(_config, _plan, _schemes, weights, linears);
        var encoder = build.Add(builder.BuildEncoder());
        var projector = build.Add(builder.BuildProjector());
        var builtBlocks = _plan.Layers.Take(encoder.LayerCount).SelectMany(layer => layer.Linears());
        var schemes = SchemeSummary.Count(
            SchemeSummary.Pair(builtBlocks.Prepend(PatchConvolutionKind()), encoder.Linears)
                .Concat(SchemeSummary.Pair([_plan.ProjectorIn, _plan.ProjectorOut], projector.Linears)));
        return build.Complete(new PixtralImagePrompts(
            _preprocessor, encoder, projector, _config.FeatureLayer, _ids, _placeholder, schemes, weights.Device));
    }

    /// <summary>The patch convolution as the dense layer the encoder runs it as, for summaries.</summary>
    private PlannedLinear PatchConvolutionKind() =>
        new(_plan.PatchConvolution.Name, "vision_tower.patch_conv", _config.Vision.HiddenSize, _config.Vision.PatchFeatures, HasBias: false);
}
