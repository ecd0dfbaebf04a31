using System.Text.Json;
using Qrt.Runtime.Models.Configuration;
using Qrt.Runtime.Tests.Goldens;

namespace Qrt.Runtime.Tests.Cuda;

/// <summary>
/// How far the CUDA backend's logits (BF16 activations) may be from the CPU backend's (FP32 activations), relative to
/// the CPU row's max |logit|, and why.
/// </summary>
internal static class Bf16LogitBound
{
    /// <summary>BF16's unit roundoff: 8 significant bits, round to nearest.</summary>
    private const double UnitRoundoff = 1.0 / 512;

    /// <summary>
    /// Tensors rounded to BF16 along the deepest path of one decoder layer: the normed input, q, k and v, q and k again
    /// after the rotation, the attention output, the output projection, the residual after its add, the second normed
    /// input, gate, up, their gated product, the down projection and the residual again (the KV cache holds k and v
    /// already rounded, so writing it rounds nothing).
    /// </summary>
    private const int RoundingsPerLayer = 15;

    /// <summary>
    /// Growth of a relative error on its way to the logits: RMSNorm divides by the rms of a vector that carries the
    /// error too, the softmax over keys and SiLU amplify relative changes by up to about 2–3 on the values that matter.
    /// </summary>
    private const double Gain = 3;

    /// <summary>
    /// Roundings a vision tower adds besides its layers: the patch rows, the patch embedding, the pre-norm, and the
    /// projector's (or merger's) two linear layers and activation.
    /// </summary>
    private const int RoundingsOutsideVisionLayers = 6;

    /// <summary>
    /// The bound for a checkpoint with <paramref name="config"/>'s layers and vocabulary, read from
    /// <paramref name="directory"/> (a vision tower's layers count too: image rows enter the decoder through it). Each BF16 rounding moves a
    /// value by a relative error uniform in ±u (u = 2⁻⁹): rms u/√3. The S = 15·L + 3 roundings of the deepest path
    /// (L layers; the embedding row, the final residual and the final normed row) add up in quadrature, each carried
    /// to the logits with a gain of at most G = 3, so a logit moves by about (u/√3)·√S·G times the rms logit. The
    /// largest of V such roughly normal errors is √(2·ln V) standard deviations, and max |logit| ≥ rms logit, so
    /// δ = √(2·ln V)·(u/√3)·√S·G bounds max |Δ| / max |logit| (0.069 for the tiny checkpoints: L = 2, V = 512). A
    /// vision tower of Lv layers adds 15·Lv + 6 roundings on the image rows' path.
    /// Where activations are quantized, a BF16 input within rounding of a code boundary lands on the other side, so the
    /// two backends carry unrelated quantization noise: each is within the golden's quantization bound of the
    /// unquantized model (<see cref="LogitBound.For"/>: 2·max(A, E), A the logits' change without the quantization and
    /// E the reference's own envelope, which also covers a router's top-k flipping), and that bound is added.
    /// </summary>
    public static double For(TextModelConfig config, ModelGolden golden, string directory)
    {
        var roundings = (RoundingsPerLayer * config.LayerCount) + 3;
        if (VisionLayers(directory) is { } visionLayers)
        {
            roundings += (RoundingsPerLayer * visionLayers) + RoundingsOutsideVisionLayers;
        }

        var tail = Math.Sqrt(2 * Math.Log(config.VocabSize));
        var bf16 = tail * (UnitRoundoff / Math.Sqrt(3)) * Math.Sqrt(roundings) * Gain;
        return bf16 + LogitBound.For(golden);
    }

    /// <summary>The vision tower's depth from config.json (Pixtral's num_hidden_layers, Qwen2-VL's depth), or null.</summary>
    private static int? VisionLayers(string directory)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(directory, "config.json")));
        if (!document.RootElement.TryGetProperty("vision_config", out var vision))
        {
            return null;
        }

        return vision.TryGetProperty("num_hidden_layers", out var layers) ? layers.GetInt32() : vision.GetProperty("depth").GetInt32();
    }
}
