namespace Qrt.Runtime.Models.Configuration;

/// <summary>How the rotary frequencies are rescaled for long contexts (config.json <c>rope_scaling.rope_type</c>).</summary>
internal enum RopeScalingKind
{
    /// <summary>No rescaling: inv_freq[i] = 1 / theta^(2i/d).</summary>
    Default,

    /// <summary>Position interpolation: every frequency divided by the factor.</summary>
    Linear,

    /// <summary>Llama 3.1: low frequencies divided by the factor, high ones kept, a smooth blend between.</summary>
    Llama3,
}
