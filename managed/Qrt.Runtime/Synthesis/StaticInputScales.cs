namespace Qrt.Runtime.Synthesis;

/// <summary>
/// The input scales written for static activation schemes. Random weights come with no calibration data, so
/// the scale is a fixed estimate of the activations' range instead of a measured one: every quantized linear
/// reads an RMSNorm output (unit weights, so values of unit RMS, rarely beyond ±5) or an attention/MLP product
/// of similar size, and ±6 covers it. Values beyond ±6 saturate, as they would with a calibrated scale that
/// saw none of them.
/// </summary>
internal static class StaticInputScales
{
    /// <summary>The activation magnitude the scale maps to the largest code.</summary>
    public const float AssumedActivationRange = 6f;

    /// <summary>INT8: 6 / 127.</summary>
    public const float Int8 = AssumedActivationRange / 127f;

    /// <summary>FP8 e4m3: 6 / 448.</summary>
    public const float Fp8 = AssumedActivationRange / NumberEncoding.F8E4M3Max;
}
