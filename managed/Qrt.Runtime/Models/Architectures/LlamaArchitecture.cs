using Qrt.Runtime.Models.Configuration;

namespace Qrt.Runtime.Models.Architectures;

/// <summary>
/// LlamaForCausalLM and MistralForCausalLM: RMSNorm, grouped-query attention with rotary positions, a SwiGLU
/// MLP. Biases follow attention_bias and mlp_bias (both false in every released model); Mistral may give an
/// explicit head_dim different from hidden_size / heads (Mistral-NeMo, Pixtral's text model).
/// </summary>
internal sealed class LlamaArchitecture(TextArchitecture architecture) : ITextArchitecture
{
    /// <inheritdoc />
    public TextArchitecture Architecture => architecture;

    /// <inheritdoc />
    public DecoderPlan Plan(TextModelConfig config) =>
        DecoderNames.Plan(config, layer =>
            (DecoderNames.GatedMlp(config, $"{DecoderNames.Layer(layer)}.mlp", "mlp", ("gate_proj", "up_proj", "down_proj"), config.MlpBias), null));
}
