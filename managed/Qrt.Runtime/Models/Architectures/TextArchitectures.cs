using Qrt.Runtime.Models.Configuration;

namespace Qrt.Runtime.Models.Architectures;

/// <summary>The registry from config.json's architecture to the class that knows its tensors.</summary>
internal static class TextArchitectures
{
    /// <summary>The description of <paramref name="architecture"/>.</summary>
    public static ITextArchitecture For(TextArchitecture architecture) => architecture switch
    {
        TextArchitecture.Llama or TextArchitecture.Mistral => new LlamaArchitecture(architecture),
        TextArchitecture.Qwen2 => new Qwen2Architecture(),
        TextArchitecture.Mixtral => new MixtralArchitecture(),
        _ => throw new ArgumentOutOfRangeException(nameof(architecture), architecture, "no plan for this architecture"),
    };
}
