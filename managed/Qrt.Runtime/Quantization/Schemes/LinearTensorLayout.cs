using Qrt.Runtime.Checkpoints;

namespace Qrt.Runtime.Quantization.Schemes;

/// <summary>
/// The checkpoint tensors each <see cref="LinearScheme" /> expects for a linear layer of weight shape
/// [out, in], as compressed-tensors and AutoFP8 write them (bias, if any, is not part of the scheme).
/// </summary>
internal static class LinearTensorLayout
{
    private static readonly SafetensorsDType[] FloatTypes = [SafetensorsDType.F32, SafetensorsDType.F16, SafetensorsDType.BF16];

    /// <summary>The tensors of <paramref name="scheme" /> for a layer with <paramref name="outFeatures" /> rows and <paramref name="inFeatures" /> columns.</summary>
    public static IReadOnlyList<ExpectedTensor> Expected(LinearScheme scheme, long outFeatures, long inFeatures)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outFeatures);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inFeatures);
        return scheme switch
        {
            DenseScheme => [Tensor("weight", [outFeatures, inFeatures], FloatTypes)],
            PackedIntScheme packed => PackedInt(packed, outFeatures, inFeatures),
            Int8Scheme int8 => Int8(int8, outFeatures, inFeatures),
            Fp8Scheme fp8 => Fp8(fp8, outFeatures, inFeatures),
            Fp8WeightOnlyScheme weightOnly => [Tensor("weight", [outFeatures, inFeatures], SafetensorsDType.F8E4M3), WeightScale(weightOnly.WeightStrategy, outFeatures)],
            _ => throw new ArgumentException($"unknown scheme {scheme}", nameof(scheme)),
        };
    }

    private static List<ExpectedTensor> PackedInt(PackedIntScheme scheme, long outFeatures, long inFeatures)
    {
        // Codes are packed 32 / bits to an int32 word along the input dimension; zero points along the output one.
        var valuesPerWord = 32 / scheme.Bits;
        var groups = scheme.GroupSize == 0 ? 1 : CeilDiv(inFeatures, scheme.GroupSize);
        var tensors = new List<ExpectedTensor>
        {
            Tensor("weight_packed", [outFeatures, CeilDiv(inFeatures, valuesPerWord)], SafetensorsDType.I32),
            Tensor("weight_scale", [outFeatures, groups], FloatTypes),
            Tensor("weight_shape", [2], SafetensorsDType.I32, SafetensorsDType.I64),
        };
        if (!scheme.Symmetric)
        {
            tensors.Add(Tensor("weight_zero_point", [CeilDiv(outFeatures, valuesPerWord), groups], SafetensorsDType.I32));
        }

        if (scheme.HasGroupIndex)
        {
            tensors.Add(Tensor("weight_g_idx", [inFeatures], SafetensorsDType.I32));
        }

        return tensors;
    }

    private static List<ExpectedTensor> Int8(Int8Scheme scheme, long outFeatures, long inFeatures)
    {
        var tensors = new List<ExpectedTensor> { Tensor("weight", [outFeatures, inFeatures], SafetensorsDType.I8), WeightScale(scheme.WeightStrategy, outFeatures) };
        if (scheme.Activations == ActivationScaling.StaticPerTensor)
        {
            tensors.Add(Scalar("input_scale", FloatTypes));
            if (!scheme.ActivationSymmetric)
            {
                // compressed-tensors stores the zero point in the quantized type; vLLM's parameter is int32.
                tensors.Add(Scalar("input_zero_point", [SafetensorsDType.I8, SafetensorsDType.I32]));
            }
        }

        return tensors;
    }

    private static List<ExpectedTensor> Fp8(Fp8Scheme scheme, long outFeatures, long inFeatures)
    {
        var tensors = new List<ExpectedTensor> { Tensor("weight", [outFeatures, inFeatures], SafetensorsDType.F8E4M3), WeightScale(scheme.WeightStrategy, outFeatures) };
        if (scheme.Activations == ActivationScaling.StaticPerTensor)
        {
            tensors.Add(Scalar("input_scale", FloatTypes));
        }

        return tensors;
    }

    private static ExpectedTensor WeightScale(ScaleStrategy strategy, long outFeatures) =>
        strategy == ScaleStrategy.Channel
            ? new ExpectedTensor("weight_scale", new TensorExpectation(FloatTypes, [[outFeatures, 1]]))
            : Scalar("weight_scale", FloatTypes);

    /// <summary>A per-tensor value: [1] in compressed-tensors, a 0-d scalar in AutoFP8.</summary>
    private static ExpectedTensor Scalar(string suffix, SafetensorsDType[] dtypes) => new(suffix, new TensorExpectation(dtypes, [[1], []]));

    private static ExpectedTensor Tensor(string suffix, long[] shape, params SafetensorsDType[] dtypes) => new(suffix, new TensorExpectation(dtypes, [shape]));

    private static long CeilDiv(long value, long divisor) => (value + divisor - 1) / divisor;
}
