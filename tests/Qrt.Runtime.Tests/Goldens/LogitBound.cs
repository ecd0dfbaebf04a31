using System.Text.Json;

namespace Qrt.Runtime.Tests.Goldens;

/// <summary>How far Qrt's logits may be from a golden's, relative to the golden's max |logit|, and why.</summary>
internal static class LogitBound
{
    /// <summary>
    /// Checkpoints whose activations are not quantized (BF16, the W4A16 family): 2·10⁻⁵. Both sides compute in FP32
    /// from the same exactly dequantized weights (a small integer times a BF16 scale fits FP32's mantissa) and differ
    /// only in rounding: a dot product of length K ≤ 256 is off by about 2⁻²⁴·√(K/3) ≈ 6·10⁻⁷ of its size for
    /// roundings of random sign; the deepest path has about 30 such stages (projections, attention, MLP, norms,
    /// head; a vision tower adds its own), ~3·10⁻⁶ in quadrature, and ×3 for the softmax and SiLU gains gives
    /// ~10⁻⁵; the bound leaves another factor of 2. The FP64 run of the same reference measures 3–8·10⁻⁷ on every
    /// such golden ("envelope" in the manifest).
    /// </summary>
    public const double WithoutActivationQuantization = 2e-5;

    /// <summary>
    /// The bound for one golden. With activation quantization, rounding-level differences are not enough to keep two
    /// correct implementations close: an input within rounding of a code boundary lands on either side, and each
    /// changed code changes the next layers' inputs by far more than rounding, so more codes change. Once that
    /// happens the two runs carry unrelated quantization noise, each about A from the unquantized model (A: the
    /// manifest's logits_relative_change_without_it), so they are within 2A of each other; where the change also
    /// flips a discrete choice (a mixture-of-experts router's top-k) the jump can exceed A, and the golden measures it
    /// directly with equally correct variants of the reference (FP64, and FP32 with its quantizer inputs moved by one
    /// unit in the last place): E, the envelope's max_relative_difference. The bound is 2·max(A, E). It detects gross
    /// errors only; the semantics of activation quantization are checked exactly, layer by layer, by the probes
    /// (<see cref="ModelGoldenTests.ProbedLayers_GiveTheReferenceOutput_OnTheReferenceInputs" />).
    /// </summary>
    public static double For(ModelGolden golden)
    {
        var activations = golden.Manifest.GetProperty("quantization").GetProperty("activation_quantization");
        if (activations.ValueKind == JsonValueKind.Null)
        {
            return WithoutActivationQuantization;
        }

        var effect = activations.GetProperty("logits_relative_change_without_it").GetDouble();
        var envelope = golden.Manifest.GetProperty("envelope").GetProperty("max_relative_difference").GetDouble();
        return 2 * Math.Max(effect, envelope);
    }
}
