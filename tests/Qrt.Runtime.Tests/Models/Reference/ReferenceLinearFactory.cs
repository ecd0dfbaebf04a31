using Qrt.Runtime.Checkpoints;
using Qrt.Runtime.Layers;
using Qrt.Runtime.Models.Architectures;
using Qrt.Runtime.Models.Loading;
using Qrt.Runtime.Quantization.Schemes;
using Qrt.Runtime.Tests.Ops.Gemm;

namespace Qrt.Runtime.Tests.Models.Reference;

/// <summary>
/// Builds <see cref="ReferenceLinear"/> layers: every scheme's weight is dequantized from the checkpoint's bytes by
/// the test's own decoding (compressed-tensors packing, per-channel or per-tensor scales, zero points, g_idx),
/// and activation quantization is emulated as the scheme defines it.
/// </summary>
internal sealed class ReferenceLinearFactory : ILinearFactory
{
    public ILinear Create(PlannedLinear plan, LinearScheme scheme, CheckpointWeights weights)
    {
        var checkpoint = weights.Checkpoint;
        var name = plan.Name;
        var n = checked((int)plan.OutFeatures);
        var k = checked((int)plan.InFeatures);
        var bias = plan.HasBias ? CheckpointValues.Floats(checkpoint, $"{name}.bias") : null;
        double[] Scaled(double[] codes)
        {
            var scales = CheckpointValues.Floats(checkpoint, $"{name}.weight_scale");
            return [.. codes.Select((code, i) => code * scales[scales.Length == 1 ? 0 : i / k])];
        }

        float Scalar(string suffix) => (float)CheckpointValues.Floats(checkpoint, $"{name}.{suffix}")[0];

        (double[] Weight, ActivationEmulation Activations) = scheme switch
        {
            DenseScheme => (CheckpointValues.Floats(checkpoint, $"{name}.weight"), ActivationEmulation.None),
            PackedIntScheme packed => (PackedWeight(checkpoint, name, packed, n, k), ActivationEmulation.None),
            Int8Scheme int8 => (
                Scaled(CheckpointValues.Floats(checkpoint, $"{name}.weight")),
                int8.Activations == ActivationScaling.DynamicPerToken
                    ? new Int8DynamicEmulation()
                    : new Int8StaticEmulation(Scalar("input_scale"), int8.ActivationSymmetric ? 0 : CheckpointValues.Ints(checkpoint, $"{name}.input_zero_point")[0])),
            Fp8Scheme fp8 => (
                Scaled(CheckpointValues.Floats(checkpoint, $"{name}.weight")),
                fp8.Activations == ActivationScaling.DynamicPerToken ? new Fp8DynamicEmulation() : new Fp8StaticEmulation(Scalar("input_scale"))),
            Fp8WeightOnlyScheme => (Scaled(CheckpointValues.Floats(checkpoint, $"{name}.weight")), ActivationEmulation.None),
            _ => throw new ArgumentException($"no reference for {scheme.Label}"),
        };
        return new ReferenceLinear(Weight, bias, n, k, Activations, scheme.Label);
    }

    private static double[] PackedWeight(SafetensorsCheckpoint checkpoint, string name, PackedIntScheme scheme, int n, int k) =>
        PackedIntReference.Dequantize(
            CheckpointValues.Ints(checkpoint, $"{name}.weight_packed"),
            [.. CheckpointValues.Floats(checkpoint, $"{name}.weight_scale").Select(v => (float)v)],
            scheme.Symmetric ? null : CheckpointValues.Ints(checkpoint, $"{name}.weight_zero_point"),
            scheme.HasGroupIndex ? CheckpointValues.Ints(checkpoint, $"{name}.weight_g_idx") : null,
            n,
            k,
            scheme.Bits,
            scheme.GroupSize);
}
