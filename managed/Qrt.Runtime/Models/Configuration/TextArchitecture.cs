namespace Qrt.Runtime.Models.Configuration;

/// <summary>The decoder-only text architectures Qrt reads, by their transformers class.</summary>
internal enum TextArchitecture
{
    /// <summary>LlamaForCausalLM (model_type "llama").</summary>
    Llama,

    /// <summary>MistralForCausalLM (model_type "mistral").</summary>
    Mistral,

    /// <summary>Qwen2ForCausalLM (model_type "qwen2").</summary>
    Qwen2,

    /// <summary>MixtralForCausalLM (model_type "mixtral").</summary>
    Mixtral,
}
