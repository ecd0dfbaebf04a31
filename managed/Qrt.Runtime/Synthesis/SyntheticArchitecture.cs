namespace Qrt.Runtime.Synthesis;

/// <summary>The decoder architectures a synthetic checkpoint can take, each with the hub's config keys and tensor names.</summary>
public enum SyntheticArchitecture
{
    /// <summary>MistralForCausalLM, with an explicit head_dim that differs from hidden_size / heads.</summary>
    Mistral,

    /// <summary>LlamaForCausalLM with a Llama-3-style tokenizer and chat template.</summary>
    Llama,

    /// <summary>Qwen2ForCausalLM: q/k/v biases, tied embeddings, ChatML template.</summary>
    Qwen2,

    /// <summary>MixtralForCausalLM: a router and 4 experts per layer, 2 per token.</summary>
    Mixtral,
}
