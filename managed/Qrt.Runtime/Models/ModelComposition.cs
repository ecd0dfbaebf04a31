using System.Text.Json;
using Qrt.Runtime.Checkpoints;
using Qrt.Runtime.Json;
using Qrt.Runtime.Models.Configuration;

namespace Qrt.Runtime.Models;

/// <summary>Which image encoder a model directory holds besides its language model.</summary>
internal enum VisionFamily
{
    /// <summary>A text model alone.</summary>
    None,

    /// <summary>LlavaForConditionalGeneration with a Pixtral tower and a two-layer projector.</summary>
    Pixtral,

    /// <summary>Qwen2VLForConditionalGeneration: the Qwen2-VL tower with its patch merger, and M-RoPE in the text model.</summary>
    Qwen2Vl,
}

/// <summary>
/// What config.json's top level describes: a text model alone (its keys at the top), or a vision-language model
/// whose language model is configured in <c>text_config</c> (Llava) or at the top (Qwen2-VL as the hub ships it).
/// </summary>
/// <param name="ClassName">The model class for summaries, e.g. "LlavaForConditionalGeneration".</param>
/// <param name="Text">The language model.</param>
/// <param name="Vision">The image encoder, if any.</param>
internal sealed record ModelComposition(string ClassName, TextModelConfig Text, VisionFamily Vision)
{
    private const string LlavaClass = "LlavaForConditionalGeneration";
    private const string Qwen2VlClass = "Qwen2VLForConditionalGeneration";

    /// <summary>Reads the root object of config.json.</summary>
    public static ModelComposition Read(JsonSection root)
    {
        var modelType = root.OptionalString("model_type");
        var className = FirstArchitecture(root);
        if (className == LlavaClass || (className is null && modelType == "llava"))
        {
            return new ModelComposition(LlavaClass, TextModelConfig.Read(root.RequiredProperty("text_config")), VisionFamily.Pixtral);
        }

        if (className == Qwen2VlClass || (className is null && modelType == "qwen2_vl"))
        {
            // transformers 4.53 and later also save the language model's keys in text_config; earlier files keep them at the top.
            var nested = root.Property("text_config");
            return new ModelComposition(Qwen2VlClass, TextModelConfig.Read(nested.IsNull ? root : nested), VisionFamily.Qwen2Vl);
        }

        var text = TextModelConfig.Read(root);
        return new ModelComposition($"{text.Architecture}ForCausalLM", text, VisionFamily.None);
    }

    /// <summary>
    /// Where the checkpoint keeps the language model and the image encoder. Hub files name them as the original
    /// classes did (Llava: <c>language_model.model.*</c>, <c>vision_tower.*</c>; Qwen2-VL: <c>model.*</c>,
    /// <c>visual.*</c>); checkpoints saved by transformers 4.52 and later use <c>model.language_model.*</c> and
    /// <c>model.vision_tower.*</c> / <c>model.visual.*</c> with <c>lm_head</c> at the top.
    /// </summary>
    public CheckpointLayout Layout(SafetensorsCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        if (Vision == VisionFamily.None)
        {
            return CheckpointLayout.TextOnly;
        }

        var nested = checkpoint.Contains("model.language_model.embed_tokens.weight");
        return (Vision, nested) switch
        {
            (_, true) => new CheckpointLayout(
                name => name.StartsWith("model.", StringComparison.Ordinal) ? $"model.language_model.{name["model.".Length..]}" : name,
                Vision == VisionFamily.Pixtral ? "model.vision_tower" : "model.visual",
                "model.multi_modal_projector"),
            (VisionFamily.Pixtral, false) => new CheckpointLayout(name => $"language_model.{name}", "vision_tower", "multi_modal_projector"),
            _ => new CheckpointLayout(name => name, "visual", string.Empty),
        };
    }

    private static string? FirstArchitecture(JsonSection root)
    {
        var architectures = root.Property("architectures");
        if (architectures.Kind != JsonValueKind.Array)
        {
            return null;
        }

        var first = architectures.Items().FirstOrDefault();
        return first.Kind == JsonValueKind.String ? first.AsString() : null;
    }
}

/// <summary>Tensor names of a checkpoint's parts.</summary>
/// <param name="TextName">Maps a language-model name as a text checkpoint has it ("model.layers.0...", "lm_head") to this checkpoint's.</param>
/// <param name="VisionPrefix">The prefix of the image encoder's tensors.</param>
/// <param name="ProjectorPrefix">The prefix of Llava's projector tensors (unused by Qwen2-VL).</param>
internal sealed record CheckpointLayout(Func<string, string> TextName, string VisionPrefix, string ProjectorPrefix)
{
    /// <summary>A text checkpoint: names as they are, no encoder.</summary>
    public static CheckpointLayout TextOnly { get; } = new(name => name, string.Empty, string.Empty);
}
