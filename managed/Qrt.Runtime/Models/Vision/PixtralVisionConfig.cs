using System.Globalization;
using Qrt.Runtime.Json;
using Qrt.Runtime.Models.Configuration;

namespace Qrt.Runtime.Models.Vision;

/// <summary>
/// The shape of a Pixtral vision encoder from config.json's <c>vision_config</c>, with the defaults of
/// transformers' PixtralVisionConfig (Pixtral-12B's tower) filled in for absent keys.
/// </summary>
/// <param name="HiddenSize">Width of the residual stream (1024 in Pixtral-12B, 1408 in Pixtral-Large).</param>
/// <param name="IntermediateSize">Width of the gated MLP.</param>
/// <param name="LayerCount">Transformer blocks.</param>
/// <param name="HeadCount">Attention heads (no grouped-query sharing).</param>
/// <param name="HeadDim">Width of one head: hidden_size / num_attention_heads.</param>
/// <param name="PatchSize">Pixels per patch side; the patch convolution's kernel and stride.</param>
/// <param name="ImageSize">Longest image side the rotary tables cover.</param>
/// <param name="RopeTheta">Base of the rotary frequencies.</param>
internal sealed record PixtralVisionConfig(
    int HiddenSize, int IntermediateSize, int LayerCount, int HeadCount, int HeadDim, int PatchSize, int ImageSize, double RopeTheta)
{
    /// <summary>Input channels; Pixtral reads RGB only.</summary>
    public const int Channels = 3;

    /// <summary>The epsilon of every RMSNorm of the tower, fixed in the model code rather than configured.</summary>
    public const float NormEps = 1e-5f;

    /// <summary>Patches per side of the largest image: the width of the position grid, h · MaxPatchesPerSide + w.</summary>
    public int MaxPatchesPerSide => ImageSize / PatchSize;

    /// <summary>Values in one patch row: channels · patch_size²  (the patch convolution as a dense layer's input).</summary>
    public int PatchFeatures => Channels * PatchSize * PatchSize;

    /// <summary>Reads <paramref name="vision"/>, a <c>vision_config</c> object, checking every value.</summary>
    public static PixtralVisionConfig Read(JsonSection vision)
    {
        if (vision.Kind != System.Text.Json.JsonValueKind.Object)
        {
            throw vision.Error($"must be a JSON object; found {vision.Kind}");
        }

        var modelType = vision.OptionalString("model_type");
        if (modelType is not null and not "pixtral")
        {
            throw vision.Error("model_type", $"must be \"pixtral\" for a Pixtral vision tower; found \"{modelType}\"");
        }

        var hidden = vision.PositiveInt("hidden_size", 1024);
        var heads = vision.PositiveInt("num_attention_heads", 16);
        if (hidden % heads != 0)
        {
            throw vision.Error("num_attention_heads", Invariant($"must divide hidden_size ({hidden}); found {heads}"));
        }

        // The attention splits the hidden size evenly, so a head_dim key can only confirm that split.
        var headDim = hidden / heads;
        var declaredHeadDim = vision.OptionalInt("head_dim");
        if (declaredHeadDim is { } declared && declared != headDim)
        {
            throw vision.Error("head_dim", Invariant($"must equal hidden_size / num_attention_heads = {headDim}; found {declared}"));
        }

        if (headDim % 2 != 0)
        {
            throw vision.Error("num_attention_heads", Invariant($"must leave an even head width for the rotary embedding; hidden_size / heads = {headDim}"));
        }

        var channels = vision.PositiveInt("num_channels", Channels);
        if (channels != Channels)
        {
            throw vision.Error("num_channels", Invariant($"must be {Channels} (RGB); found {channels}"));
        }

        CheckActivation(vision);
        var patch = vision.PositiveInt("patch_size", 16);
        var image = vision.PositiveInt("image_size", 1024);
        if (image < patch)
        {
            throw vision.Error("image_size", Invariant($"must be at least patch_size ({patch}); found {image}"));
        }

        // transformers 5 keeps rope_theta in rope_parameters; older files have it at the top of vision_config.
        var ropeParameters = vision.Property("rope_parameters");
        var ropeTheta = (ropeParameters.IsNull ? vision : ropeParameters).PositiveDouble("rope_theta", 10000.0);
        if (!ropeParameters.IsNull && ropeParameters.OptionalString("rope_type") is { } ropeType and not "default")
        {
            throw ropeParameters.Error("rope_type", $"must be \"default\"; the Pixtral vision rotary embedding has no scaled variants; found \"{ropeType}\"");
        }

        return new PixtralVisionConfig(
            hidden,
            vision.PositiveInt("intermediate_size", 4096),
            vision.PositiveInt("num_hidden_layers", 24),
            heads,
            headDim,
            patch,
            image,
            ropeTheta);
    }

    /// <summary>
    /// Pixtral's vision MLP is SiLU-gated (the original weights' feed-forward is w2(silu(w1 x) · w3 x)). The
    /// transformers class default is "gelu", and the first Hugging Face conversions said "gelu" until it was
    /// corrected to "silu"; copies made from them still say so. Running such a file as written would give wrong
    /// image features, and guessing would hide a file that really differs, so only an explicit "silu" is taken.
    /// </summary>
    private static void CheckActivation(JsonSection vision)
    {
        var activation = vision.OptionalString("hidden_act");
        if (activation == "silu")
        {
            return;
        }

        var found = activation is null ? "absent (the transformers default is \"gelu\")" : $"\"{activation}\"";
        throw vision.Error(
            "hidden_act",
            $"must be \"silu\"; found {found}. Pixtral's vision MLP is SiLU-gated; early Hugging Face conversions of Pixtral-12B said " +
            "\"gelu\" by mistake (corrected upstream) and copies of them still do. Set \"hidden_act\": \"silu\" in vision_config if the " +
            "weights are Pixtral's");
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
