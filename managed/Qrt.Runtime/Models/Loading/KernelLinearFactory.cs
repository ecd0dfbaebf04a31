using Qrt.Runtime.Layers;
using Qrt.Runtime.Models.Architectures;
using Qrt.Runtime.Quantization.Schemes;

namespace Qrt.Runtime.Models.Loading;

/// <summary>
/// Builds each linear layer over libqrt's kernel for its scheme, with the weight kept as the checkpoint stores
/// it (packed int4 words, int8, fp8 or bf16). Per-tensor scales and zero points become one-element F32 / I32
/// tensors, the form the quantize and GEMM ops take.
/// </summary>
internal sealed class KernelLinearFactory : ILinearFactory
{
    /// <summary>The one instance.</summary>
    public static KernelLinearFactory Instance { get; } = new();

    /// <inheritdoc />
    public ILinear Create(PlannedLinear plan, LinearScheme scheme, CheckpointWeights weights)
    {
        var name = plan.Name;
        using var build = new PartialBuild();
        QrtTensor Keep(QrtTensor tensor) => build.Add(tensor);
        var bias = plan.HasBias ? Keep(weights.Load($"{name}.bias")) : null;
        return build.Complete<ILinear>(scheme switch
        {
            DenseScheme => new DenseLinear(Keep(weights.Load($"{name}.weight")), bias),
            PackedIntScheme packed => PackedInt(plan, packed, weights, Keep, bias),
            Int8Scheme int8 => new Int8Linear(
                Keep(weights.Load($"{name}.weight")),
                Keep(WeightScale(weights, name, int8.WeightStrategy, plan.OutFeatures)),
                int8.Activations == ActivationScaling.StaticPerTensor ? Keep(weights.LoadSingles($"{name}.input_scale", [1])) : null,
                int8.Activations == ActivationScaling.StaticPerTensor && !int8.ActivationSymmetric ? Keep(weights.LoadInt32s($"{name}.input_zero_point", [1])) : null,
                bias),
            Fp8Scheme fp8 => new Fp8Linear(
                Keep(weights.Load($"{name}.weight")),
                Keep(WeightScale(weights, name, fp8.WeightStrategy, plan.OutFeatures)),
                fp8.Activations == ActivationScaling.StaticPerTensor ? Keep(weights.LoadSingles($"{name}.input_scale", [1])) : null,
                bias),
            Fp8WeightOnlyScheme weightOnly => new Fp8WeightOnlyLinear(
                Keep(weights.Load($"{name}.weight")), Keep(WeightScale(weights, name, weightOnly.WeightStrategy, plan.OutFeatures)), bias),
            _ => throw new ArgumentException($"no kernel layer for scheme {scheme.Label}", nameof(scheme)),
        });
    }

    /// <summary>Per-channel scales as stored ([out, 1]); a per-tensor scale as F32 [1] whatever its stored rank.</summary>
    private static QrtTensor WeightScale(CheckpointWeights weights, string name, ScaleStrategy strategy, long outFeatures) =>
        strategy == ScaleStrategy.Channel ? weights.Load($"{name}.weight_scale") : weights.LoadSingles($"{name}.weight_scale", [1]);

    private static PackedIntLinear PackedInt(PlannedLinear plan, PackedIntScheme scheme, CheckpointWeights weights, Func<QrtTensor, QrtTensor> keep, QrtTensor? bias)
    {
        var name = plan.Name;
        PackedWeightShape.Check(weights, name, plan.OutFeatures, plan.InFeatures);
        var packed = keep(weights.Load($"{name}.weight_packed"));
        var scale = keep(weights.Load($"{name}.weight_scale"));
        var zeroPoint = scheme.Symmetric ? null : keep(weights.Load($"{name}.weight_zero_point"));
        var groupIndex = scheme.HasGroupIndex ? keep(weights.LoadInt32s($"{name}.weight_g_idx", [plan.InFeatures])) : null;
        var weight = new PackedIntWeight(packed, scale, zeroPoint, groupIndex, scheme.Bits, scheme.GroupSize);
        // An activation-ordered weight has its columns sorted by group here, once, where it can be.
        return PackedIntLinear.Create(weight, plan.InFeatures, bias);
    }
}
