namespace Qrt.Runtime.Quantization.Schemes;

/// <summary>
/// How one linear layer of a checkpoint is stored and run, resolved from config.json's quantization_config.
/// Each kind maps to one layer class of <c>Qrt.Runtime.Layers</c>; <see cref="LinearTensorLayout" /> lists the
/// tensors each expects.
/// </summary>
internal abstract record LinearScheme
{
    /// <summary>A short name for messages and logs ("W4A16 g128", "W8A8-INT8 channel dynamic").</summary>
    public abstract string Label { get; }
}

/// <summary>Unquantized: a floating-point weight.</summary>
internal sealed record DenseScheme : LinearScheme
{
    /// <summary>The one instance.</summary>
    public static DenseScheme Instance { get; } = new();

    /// <inheritdoc />
    public override string Label => "dense";
}

/// <summary>
/// Weight-only integer (W4A16 / W8A16), compressed-tensors pack-quantized: codes packed into int32 words,
/// scales per group of <see cref="GroupSize" /> input columns (0: one per output channel), a packed zero point
/// when asymmetric, and a <c>weight_g_idx</c> permutation when quantized in activation order by group.
/// </summary>
internal sealed record PackedIntScheme(int Bits, int GroupSize, bool Symmetric, bool HasGroupIndex) : LinearScheme
{
    /// <inheritdoc />
    public override string Label =>
        $"W{Bits}A16 {(GroupSize == 0 ? "channel" : $"g{GroupSize}")}{(Symmetric ? string.Empty : " asym")}{(HasGroupIndex ? " act-order" : string.Empty)}";
}

/// <summary>W8A8 INT8: int8 weight with per-channel or per-tensor scales; int8 activations.</summary>
internal sealed record Int8Scheme(ScaleStrategy WeightStrategy, ActivationScaling Activations, bool ActivationSymmetric) : LinearScheme
{
    /// <inheritdoc />
    public override string Label =>
        $"W8A8-INT8 {WeightStrategy.Name()} {Activations.Name()}{(ActivationSymmetric ? string.Empty : " asym")}";
}

/// <summary>W8A8 FP8 (e4m3): fp8 weight with per-channel or per-tensor scales; fp8 activations.</summary>
internal sealed record Fp8Scheme(ScaleStrategy WeightStrategy, ActivationScaling Activations) : LinearScheme
{
    /// <inheritdoc />
    public override string Label => $"W8A8-FP8 {WeightStrategy.Name()} {Activations.Name()}";
}

/// <summary>FP8 weight-only (W8A16): fp8 weight with per-channel or per-tensor scales, activations unquantized.</summary>
internal sealed record Fp8WeightOnlyScheme(ScaleStrategy WeightStrategy) : LinearScheme
{
    /// <inheritdoc />
    public override string Label => $"W8A16-FP8 {WeightStrategy.Name()}";
}
