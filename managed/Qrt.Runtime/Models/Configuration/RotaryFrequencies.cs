namespace Qrt.Runtime.Models.Configuration;

/// <summary>
/// The rotary inverse frequencies (inv_freq) as transformers computes them, in single precision step by step
/// like its float32 tensors, so cos/sin tables built from them match the reference bit for bit or nearly.
/// </summary>
internal static class RotaryFrequencies
{
    /// <summary>inv_freq for a rotary dimension <paramref name="dimension" /> (even): dimension / 2 values.</summary>
    public static float[] Compute(int dimension, double theta, RopeScaling scaling)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        if (dimension % 2 != 0)
        {
            throw new ArgumentException($"the rotary dimension must be even; got {dimension}", nameof(dimension));
        }

        var frequencies = new float[dimension / 2];
        for (var i = 0; i < frequencies.Length; i++)
        {
            // torch: arange(0, d, 2).float() / d, then base ** that, then 1.0 / that — each in float32.
            var exponent = (float)(2 * i) / dimension;
            var power = (float)Math.Pow((float)theta, exponent);
            frequencies[i] = 1f / power;
        }

        switch (scaling.Kind)
        {
            case RopeScalingKind.Linear:
                for (var i = 0; i < frequencies.Length; i++)
                {
                    frequencies[i] /= (float)scaling.Factor;
                }

                break;
            case RopeScalingKind.Llama3:
                ApplyLlama3(frequencies, scaling);
                break;
            case RopeScalingKind.Default:
            default:
                break;
        }

        return frequencies;
    }

    /// <summary>
    /// Llama 3.1 scaling: wavelengths longer than original / low_freq_factor are slowed by the factor, those
    /// shorter than original / high_freq_factor are kept, and the band between blends the two linearly in
    /// original / wavelength.
    /// </summary>
    private static void ApplyLlama3(float[] frequencies, RopeScaling scaling)
    {
        var factor = (float)scaling.Factor;
        var low = (float)scaling.LowFrequencyFactor;
        var high = (float)scaling.HighFrequencyFactor;
        var original = (float)scaling.OriginalMaxPositionEmbeddings;
        var lowFrequencyWavelength = original / low;
        var highFrequencyWavelength = original / high;
        for (var i = 0; i < frequencies.Length; i++)
        {
            var frequency = frequencies[i];
            var wavelength = (float)(2 * Math.PI) / frequency;
            if (wavelength > lowFrequencyWavelength)
            {
                frequencies[i] = frequency / factor;
            }
            else if (wavelength >= highFrequencyWavelength)
            {
                var smooth = ((original / wavelength) - low) / (high - low);
                frequencies[i] = ((1 - smooth) * frequency / factor) + (smooth * frequency);
            }
        }
    }
}
