using System.Globalization;
using System.Text.Json;
using Qrt.Runtime.Json;
using Qrt.Runtime.Models.Configuration;

namespace Qrt.Runtime.Models.Vision;

/// <summary>
/// The shape of a Qwen2-VL vision tower and patch merger from config.json's <c>vision_config</c>, with the defaults
/// of transformers' Qwen2VLVisionConfig (the tower of every Qwen2-VL size) filled in for absent keys.
/// </summary>
/// <param name="Depth">Transformer blocks.</param>
/// <param name="EmbedDim">Width of the tower's residual stream.</param>
/// <param name="HiddenSize">Width of the merger's output, which must be the language model's hidden size.</param>
/// <param name="HiddenAct">The activation between mlp.fc1 and mlp.fc2.</param>
/// <param name="MlpHidden">Width of the block MLP: int(embed_dim · mlp_ratio).</param>
/// <param name="HeadCount">Attention heads.</param>
/// <param name="HeadDim">Width of one head: embed_dim / num_heads.</param>
/// <param name="InChannels">Colour channels of the input.</param>
/// <param name="PatchSize">Pixels per patch side.</param>
/// <param name="SpatialMergeSize">Patches per side of one merged token's window.</param>
/// <param name="TemporalPatchSize">Pictures per temporal patch.</param>
internal sealed record Qwen2VlVisionConfig(
    int Depth, int EmbedDim, int HiddenSize, Activation HiddenAct, int MlpHidden, int HeadCount, int HeadDim,
    int InChannels, int PatchSize, int SpatialMergeSize, int TemporalPatchSize)
{
    /// <summary>The epsilon of every LayerNorm of the tower and merger, fixed in the model code.</summary>
    public const float NormEps = 1e-6f;

    /// <summary>Base of the vision rotary frequencies, fixed in the model code.</summary>
    public const double RopeTheta = 10000.0;

    /// <summary>Values in one patch row: channels · temporal_patch_size · patch_size² (the Conv3d as a dense layer's input).</summary>
    public int PatchFeatures => InChannels * TemporalPatchSize * PatchSize * PatchSize;

    /// <summary>Patches folded into one merged token: spatial_merge_size².</summary>
    public int MergeUnit => SpatialMergeSize * SpatialMergeSize;

    /// <summary>Width of the merger's input rows: embed_dim · spatial_merge_size².</summary>
    public int MergedFeatures => EmbedDim * MergeUnit;

    /// <summary>Columns of the rotary cos/sin tables: head_dim / 2 (row angles, then column angles).</summary>
    public int RotaryHalf => HeadDim / 2;

    /// <summary>Reads <paramref name="vision"/>, a <c>vision_config</c> object, checking every value.</summary>
    public static Qwen2VlVisionConfig Read(JsonSection vision)
    {
        if (vision.Kind != JsonValueKind.Object)
        {
            throw vision.Error($"must be a JSON object; found {vision.Kind}");
        }

        var modelType = vision.OptionalString("model_type");
        if (modelType is not null and not "qwen2_vl")
        {
            throw vision.Error("model_type", $"must be \"qwen2_vl\" for a Qwen2-VL vision tower; found \"{modelType}\"");
        }

        var embed = vision.PositiveInt("embed_dim", 1280);
        var heads = vision.PositiveInt("num_heads", 16);
        if (embed % heads != 0)
        {
            throw vision.Error("num_heads", Invariant($"must divide embed_dim ({embed}); found {heads}"));
        }

        // The rotary embedding turns head_dim / 2 dims by the row and as many by the column, each half from
        // head_dim / 4 frequencies, so the head width must split in four.
        var headDim = embed / heads;
        if (headDim % 4 != 0)
        {
            throw vision.Error("num_heads", Invariant($"must leave a head width divisible by 4 for the 2-D rotary embedding; embed_dim / num_heads = {headDim}"));
        }

        var channels = vision.PositiveInt("in_channels", 3);
        var patch = vision.PositiveInt("patch_size", 14);
        // Hub files also carry the original code's names for the same two values; transformers ignores them, but a
        // file where they disagree was not written for these weights.
        Agree(vision, "in_chans", "in_channels", channels);
        Agree(vision, "spatial_patch_size", "patch_size", patch);
        var ratio = vision.OptionalDouble("mlp_ratio", 4.0)!.Value;
        var mlpHidden = Math.Floor(embed * ratio);
        if (!(mlpHidden >= 1 && mlpHidden <= int.MaxValue))
        {
            throw vision.Error("mlp_ratio", Invariant($"must give a positive MLP width int(embed_dim · mlp_ratio); found {ratio} with embed_dim {embed}"));
        }

        return new Qwen2VlVisionConfig(
            vision.PositiveInt("depth", 32),
            embed,
            vision.PositiveInt("hidden_size", 3584),
            ReadActivation(vision),
            (int)mlpHidden,
            heads,
            headDim,
            channels,
            patch,
            vision.PositiveInt("spatial_merge_size", 2),
            vision.PositiveInt("temporal_patch_size", 2));
    }

    private static void Agree(JsonSection vision, string alias, string key, int value)
    {
        if (vision.OptionalInt(alias) is { } other && other != value)
        {
            throw vision.Error(alias, Invariant($"must equal {key} ({value}); found {other}"));
        }
    }

    /// <summary>transformers' ACT2FN names for the activations the CPU ops have.</summary>
    private static Activation ReadActivation(JsonSection vision)
    {
        var name = vision.OptionalString("hidden_act") ?? "quick_gelu";
        return name switch
        {
            "quick_gelu" => Activation.QuickGelu,
            "gelu" => Activation.Gelu,
            "gelu_pytorch_tanh" or "gelu_new" => Activation.GeluTanh,
            "silu" or "swish" => Activation.Silu,
            _ => throw vision.Error("hidden_act", $"must be one of \"quick_gelu\", \"gelu\", \"gelu_pytorch_tanh\", \"gelu_new\", \"silu\"; found \"{name}\""),
        };
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
