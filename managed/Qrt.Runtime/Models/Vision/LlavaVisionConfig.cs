using System.Globalization;
using System.Text.Json;
using Qrt.Runtime.Json;

namespace Qrt.Runtime.Models.Vision;

/// <summary>
/// The image side of a LlavaForConditionalGeneration config.json with a Pixtral tower: the tower, which of its
/// hidden states feeds the projector, and whether the projector has biases. LlavaConfig's defaults fill absent
/// keys.
/// </summary>
/// <param name="Vision">The vision tower (<c>vision_config</c>).</param>
/// <param name="FeatureLayer">
/// <c>vision_feature_layer</c>: an index into the tower's hidden states as transformers lists them (0 = after
/// ln_pre, i = after block i, −1 = after the last block).
/// </param>
/// <param name="ProjectorBias"><c>multimodal_projector_bias</c>: whether linear_1 and linear_2 have biases.</param>
internal sealed record LlavaVisionConfig(PixtralVisionConfig Vision, int FeatureLayer, bool ProjectorBias)
{
    /// <summary>Blocks to run to reach <see cref="FeatureLayer"/>.</summary>
    public int FeatureLayerBlocks => PixtralVisionEncoder.BlocksFor(FeatureLayer, Vision.LayerCount);

    /// <summary>Reads the vision entries of <paramref name="config"/>, the root object of config.json.</summary>
    public static LlavaVisionConfig Read(JsonSection config)
    {
        var visionSection = config.RequiredProperty("vision_config");
        var vision = PixtralVisionConfig.Read(visionSection);

        var activation = config.OptionalString("projector_hidden_act") ?? "gelu";
        if (activation != "gelu")
        {
            throw config.Error("projector_hidden_act", $"must be \"gelu\" (exact GELU, as Pixtral's projector); found \"{activation}\"");
        }

        // LlavaConfig's default "default" drops the first feature (a CLIP class token); Pixtral has none and its
        // configs say "full", so anything else would lose an image patch.
        var strategy = config.OptionalString("vision_feature_select_strategy") ?? "default";
        if (strategy != "full")
        {
            throw config.Error(
                "vision_feature_select_strategy",
                $"must be \"full\" for a Pixtral tower, which has no class token to drop; found \"{strategy}\"{(config.Property("vision_feature_select_strategy").IsNull ? " (the LlavaConfig default)" : string.Empty)}");
        }

        var featureLayer = FeatureLayerIndex(config, vision.LayerCount);
        return new LlavaVisionConfig(vision, featureLayer, config.OptionalBool("multimodal_projector_bias", true));
    }

    private static int FeatureLayerIndex(JsonSection config, int layerCount)
    {
        var property = config.Property("vision_feature_layer");
        if (property.IsNull)
        {
            return -1;
        }

        if (property.Kind == JsonValueKind.Array)
        {
            throw property.Error("must be one layer index; several concatenated feature layers are not supported");
        }

        var index = property.AsInt();
        if (index < -(layerCount + 1) || index > layerCount)
        {
            throw property.Error(string.Create(
                CultureInfo.InvariantCulture,
                $"must index the {layerCount + 1} hidden states of a {layerCount}-block tower ({-(layerCount + 1)} to {layerCount}); found {index}"));
        }

        return index;
    }
}
