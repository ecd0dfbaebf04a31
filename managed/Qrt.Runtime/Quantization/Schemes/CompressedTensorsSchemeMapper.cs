namespace Qrt.Runtime.Quantization.Schemes;

/// <summary>
/// Decides which <see cref="LinearScheme" /> a compressed-tensors group describes, with the same acceptance
/// rules vLLM applies when it picks a kernel; null when Qrt has no kernel for the combination.
/// </summary>
internal static class CompressedTensorsSchemeMapper
{
    /// <summary>The schemes Qrt runs, for messages.</summary>
    public const string Supported =
        "pack-quantized int 4- or 8-bit weights (group or channel, symmetric or asymmetric, any actorder) with unquantized activations; " +
        "int-quantized or naive-quantized W8A8 int8 (weights symmetric static tensor or channel; activations dynamic symmetric per token, or static per tensor); " +
        "float-quantized or naive-quantized 8-bit float weights (symmetric static tensor or channel) with dynamic or static per-tensor 8-bit float activations, or none";

    public static LinearScheme? Map(QuantizationArguments? weights, QuantizationArguments? input, string format)
    {
        if (weights is null)
        {
            return input is null ? DenseScheme.Instance : null;
        }

        return weights.Type switch
        {
            "int" when input is null => PackedInt(weights, format),
            "int" => Int8(weights, input, format),
            "float" when input is null => Fp8WeightOnly(weights, format),
            "float" => Fp8(weights, input, format),
            _ => null,
        };
    }

    private static PackedIntScheme? PackedInt(QuantizationArguments weights, string format)
    {
        if (format != "pack-quantized" || weights.Bits is not (4 or 8) || weights.Dynamic != "false")
        {
            return null;
        }

        return weights.Strategy switch
        {
            "group" when weights.GroupSize is > 0 => new PackedIntScheme(weights.Bits, weights.GroupSize.Value, weights.Symmetric, weights.ActOrder == "group"),
            "channel" => new PackedIntScheme(weights.Bits, 0, weights.Symmetric, HasGroupIndex: false),
            _ => null,
        };
    }

    private static Int8Scheme? Int8(QuantizationArguments weights, QuantizationArguments input, string format)
    {
        if (format is not ("int-quantized" or "naive-quantized") || input.Type != "int" || input.Bits != 8 || EightBitWeight(weights) is not { } strategy)
        {
            return null;
        }

        // Asymmetric activations are supported with a stored zero point only; a per-token one would need the
        // azp correction at run time.
        return input switch
        {
            { Strategy: "token", Dynamic: "true", Symmetric: true } => new Int8Scheme(strategy, ActivationScaling.DynamicPerToken, true),
            { Strategy: "tensor", Dynamic: "false" } => new Int8Scheme(strategy, ActivationScaling.StaticPerTensor, input.Symmetric),
            _ => null,
        };
    }

    private static Fp8Scheme? Fp8(QuantizationArguments weights, QuantizationArguments input, string format)
    {
        if (format is not ("float-quantized" or "naive-quantized") || input.Type != "float" || input.Bits != 8 || !input.Symmetric ||
            EightBitWeight(weights) is not { } strategy)
        {
            return null;
        }

        // A dynamic per-tensor activation scale is computed per token instead: finer, and the checkpoint holds no
        // input tensor either way.
        return input switch
        {
            { Strategy: "token" or "tensor", Dynamic: "true" } => new Fp8Scheme(strategy, ActivationScaling.DynamicPerToken),
            { Strategy: "tensor", Dynamic: "false" } => new Fp8Scheme(strategy, ActivationScaling.StaticPerTensor),
            _ => null,
        };
    }

    private static Fp8WeightOnlyScheme? Fp8WeightOnly(QuantizationArguments weights, string format) =>
        format is "float-quantized" or "naive-quantized" && EightBitWeight(weights) is { } strategy ? new Fp8WeightOnlyScheme(strategy) : null;

    /// <summary>The scale strategy of a symmetric static 8-bit weight with tensor or channel scales, else null.</summary>
    private static ScaleStrategy? EightBitWeight(QuantizationArguments weights) =>
        weights is { Bits: 8, Symmetric: true, Dynamic: "false" }
            ? weights.Strategy switch
            {
                "tensor" => ScaleStrategy.Tensor,
                "channel" => ScaleStrategy.Channel,
                _ => null,
            }
            : null;
}
