using Qrt.Runtime.Models.Configuration;

namespace Qrt.Runtime.Models.Architectures;

/// <summary>
/// Qwen2ForCausalLM: the Llama block with biases on the q, k and v projections (not on o_proj, not in the
/// MLP), and sliding-window attention on the layers from max_window_layers on when use_sliding_window is set.
/// </summary>
internal sealed class Qwen2Architecture : ITextArchitecture
{
    /// <inheritdoc />
    public TextArchitecture Architecture => TextArchitecture.Qwen2;

    /// <inheritdoc />
    public DecoderPlan Plan(TextModelConfig config) =>
        DecoderNames.Plan(config, layer =>
            (DecoderNames.GatedMlp(config, $"{DecoderNames.Layer(layer)}.mlp", "mlp", ("gate_proj", "up_proj", "down_proj"), bias: false), null));
}
