namespace Qrt.Runtime.Synthesis;

/// <summary>The architectures a synthetic checkpoint can take, each with the hub's config keys and tensor names.</summary>
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

    /// <summary>
    /// LlavaForConditionalGeneration with a Pixtral vision tower, as mistral-community/pixtral-12b lays it out:
    /// a Mistral language model under <c>language_model.*</c>, a BF16 tower and projector, [IMG] tokens.
    /// </summary>
    Pixtral,

    /// <summary>
    /// Qwen2VLForConditionalGeneration: an untied Qwen2 language model with M-RoPE sections, a BF16 vision tower
    /// and patch merger under <c>visual.*</c>, &lt;|image_pad|&gt; tokens.
    /// </summary>
    Qwen2Vl,
}
