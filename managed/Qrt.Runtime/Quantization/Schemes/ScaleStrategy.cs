namespace Qrt.Runtime.Quantization.Schemes;

/// <summary>How many scales an 8-bit weight has.</summary>
internal enum ScaleStrategy
{
    /// <summary>One scale for the whole weight.</summary>
    Tensor,

    /// <summary>One scale per output channel (row).</summary>
    Channel,
}

/// <summary>How activations get their quantization scale.</summary>
internal enum ActivationScaling
{
    /// <summary>Computed at run time for each token (row); the checkpoint holds no input scale.</summary>
    DynamicPerToken,

    /// <summary>One calibrated scale (and zero point, if asymmetric) stored in the checkpoint.</summary>
    StaticPerTensor,
}

/// <summary>Names for messages.</summary>
internal static class ScaleStrategyNames
{
    /// <summary>"tensor" or "channel".</summary>
    public static string Name(this ScaleStrategy strategy) => strategy == ScaleStrategy.Tensor ? "tensor" : "channel";

    /// <summary>"dynamic" or "static".</summary>
    public static string Name(this ActivationScaling scaling) => scaling == ActivationScaling.DynamicPerToken ? "dynamic" : "static";
}
