namespace Qrt.Runtime.Synthesis;

/// <summary>What a synthetic architecture is built from: its language model's family and whether it sees images.</summary>
public static class SyntheticArchitectureFacts
{
    /// <summary>
    /// The decoder family of the language model: Pixtral's is Mistral, Qwen2-VL's is Qwen2; a text architecture is
    /// its own.
    /// </summary>
    internal static SyntheticArchitecture TextFamily(this SyntheticArchitecture architecture) => architecture switch
    {
        SyntheticArchitecture.Pixtral => SyntheticArchitecture.Mistral,
        SyntheticArchitecture.Qwen2Vl => SyntheticArchitecture.Qwen2,
        _ => architecture,
    };

    /// <summary>Whether the checkpoint has a vision tower and reads images.</summary>
    public static bool IsVisionLanguage(this SyntheticArchitecture architecture) =>
        architecture is SyntheticArchitecture.Pixtral or SyntheticArchitecture.Qwen2Vl;

    /// <summary>
    /// The prefix of the language model's tensor names: Llava nests the decoder under <c>language_model.</c>
    /// (<c>language_model.model.layers.0...</c>, <c>language_model.lm_head</c>); the others store it at the top.
    /// </summary>
    internal static string TextPrefix(this SyntheticArchitecture architecture) =>
        architecture == SyntheticArchitecture.Pixtral ? "language_model." : string.Empty;
}
