using Qrt.Runtime.Checkpoints;

namespace Qrt.Runtime.Synthesis;

/// <summary>
/// A linear layer's weight [out, in] drawn at random (BF16 values) and stored in <see cref="Scheme" />'s layout:
/// the tensors compressed-tensors or AutoFP8 write for it, quantized by round to nearest through
/// <see cref="WeightQuantizer" />. Scales are stored in BF16 for compressed-tensors (its default scale dtype is the
/// model's) and F32 for AutoFP8; each scale is rounded up to its stored precision before the codes are rounded
/// against it, so the stored scale is exactly the one used and no weight clips.
/// </summary>
internal sealed class LinearRecipe(string layerName, int outFeatures, int inFeatures, SyntheticScheme scheme, int groupSize) : TensorRecipe
{
    /// <summary>The scheme the layer is stored in.</summary>
    public SyntheticScheme Scheme => scheme;

    /// <inheritdoc />
    public override long ParameterCount => (long)outFeatures * inFeatures;

    /// <summary>The tensors of the layer, named "&lt;layer&gt;.&lt;suffix&gt;".</summary>
    public IEnumerable<PlannedTensor> Plan()
    {
        var groups = groupSize == 0 ? 1 : inFeatures / groupSize;
        var packedWords = inFeatures / 8;
        var zeroRows = (outFeatures + 7) / 8;
        return (scheme switch
        {
            SyntheticScheme.Bf16 => [("weight", SafetensorsDType.BF16, [outFeatures, inFeatures])],
            SyntheticScheme.W4A16 =>
            [
                ("weight_packed", SafetensorsDType.I32, [outFeatures, packedWords]),
                ("weight_scale", SafetensorsDType.BF16, [outFeatures, groups]),
                ("weight_shape", SafetensorsDType.I64, [2]),
            ],
            SyntheticScheme.W4A16Asym =>
            [
                ("weight_packed", SafetensorsDType.I32, [outFeatures, packedWords]),
                ("weight_scale", SafetensorsDType.BF16, [outFeatures, groups]),
                ("weight_shape", SafetensorsDType.I64, [2]),
                ("weight_zero_point", SafetensorsDType.I32, [zeroRows, groups]),
            ],
            SyntheticScheme.W4A16ActOrder =>
            [
                ("weight_packed", SafetensorsDType.I32, [outFeatures, packedWords]),
                ("weight_scale", SafetensorsDType.BF16, [outFeatures, groups]),
                ("weight_shape", SafetensorsDType.I64, [2]),
                ("weight_g_idx", SafetensorsDType.I32, [inFeatures]),
            ],
            SyntheticScheme.W8A8Int8 =>
            [
                ("weight", SafetensorsDType.I8, [outFeatures, inFeatures]),
                ("weight_scale", SafetensorsDType.BF16, [outFeatures, 1]),
            ],
            SyntheticScheme.W8A8Int8Static =>
            [
                ("weight", SafetensorsDType.I8, [outFeatures, inFeatures]),
                ("weight_scale", SafetensorsDType.BF16, [outFeatures, 1]),
                ("input_scale", SafetensorsDType.BF16, [1]),
            ],
            SyntheticScheme.Fp8 =>
            [
                ("weight", SafetensorsDType.F8E4M3, [outFeatures, inFeatures]),
                ("weight_scale", SafetensorsDType.BF16, [outFeatures, 1]),
            ],
            SyntheticScheme.Fp8Static =>
            [
                ("weight", SafetensorsDType.F8E4M3, [outFeatures, inFeatures]),
                ("weight_scale", SafetensorsDType.BF16, [1]),
                ("input_scale", SafetensorsDType.BF16, [1]),
            ],
            _ => new (string, SafetensorsDType, long[])[]
            {
                ("weight", SafetensorsDType.F8E4M3, [outFeatures, inFeatures]),
                ("weight_scale", SafetensorsDType.F32, []),
                ("input_scale", SafetensorsDType.F32, []),
            },
        }).Select(tensor => new PlannedTensor($"{layerName}.{tensor.Item1}", tensor.Item2, tensor.Item3, this));
    }

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, byte[]> Produce(int seed)
    {
        var weight = RandomWeights.Normal(seed, layerName + ".weight", ParameterCount, RandomWeights.WeightStd);
        var tensors = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        void Add(string suffix, byte[] bytes) => tensors[$"{layerName}.{suffix}"] = bytes;

        switch (scheme)
        {
            case SyntheticScheme.Bf16:
                Add("weight", NumberEncoding.Bf16Bytes(weight));
                break;
            case SyntheticScheme.W4A16 or SyntheticScheme.W4A16Asym or SyntheticScheme.W4A16ActOrder:
                var groupIndex = scheme == SyntheticScheme.W4A16ActOrder
                    ? RandomWeights.ActivationOrderGroups(seed, layerName, inFeatures, groupSize)
                    : null;
                var symmetric = scheme != SyntheticScheme.W4A16Asym;
                var codes = WeightQuantizer.QuantizePackedCodes(weight, outFeatures, inFeatures, 4, groupSize, symmetric, groupIndex, NumberEncoding.Bf16AtLeast);
                Add("weight_packed", NumberEncoding.I32Bytes(WeightQuantizer.PackRows(codes.Values, outFeatures, inFeatures, 4)));
                Add("weight_scale", NumberEncoding.Bf16Bytes(codes.Scales));
                Add("weight_shape", NumberEncoding.I64Bytes([outFeatures, inFeatures]));
                if (!symmetric)
                {
                    Add("weight_zero_point", NumberEncoding.I32Bytes(WeightQuantizer.PackColumns(codes.Zeros, outFeatures, codes.Groups, 4)));
                }

                if (groupIndex is not null)
                {
                    Add("weight_g_idx", NumberEncoding.I32Bytes(groupIndex));
                }

                break;
            case SyntheticScheme.W8A8Int8 or SyntheticScheme.W8A8Int8Static:
                var (values, scales) = WeightQuantizer.QuantizeInt8Codes(weight, outFeatures, inFeatures, perChannel: true, NumberEncoding.Bf16AtLeast);
                Add("weight", NumberEncoding.I8Bytes(values));
                Add("weight_scale", NumberEncoding.Bf16Bytes(scales));
                if (scheme == SyntheticScheme.W8A8Int8Static)
                {
                    Add("input_scale", NumberEncoding.Bf16Bytes([StaticInputScales.Int8]));
                }

                break;
            default:
                EncodeFp8(weight, Add);
                break;
        }

        return tensors;
    }

    private void EncodeFp8(float[] weight, Action<string, byte[]> add)
    {
        var perChannel = scheme == SyntheticScheme.Fp8;
        var autoFp8 = scheme == SyntheticScheme.AutoFp8;
        var scales = WeightQuantizer.Fp8Scales(weight, outFeatures, inFeatures, perChannel);
        if (!autoFp8)
        {
            for (var i = 0; i < scales.Length; i++)
            {
                scales[i] = NumberEncoding.Bf16AtLeast(scales[i]);
            }
        }

        var codes = new byte[weight.Length];
        for (var i = 0; i < codes.Length; i++)
        {
            var scale = scales[perChannel ? i / inFeatures : 0];
            codes[i] = NumberEncoding.ToF8E4M3(scale == 0 ? 0 : weight[i] / scale);
        }

        add("weight", codes);
        add("weight_scale", autoFp8 ? NumberEncoding.F32Bytes(scales) : NumberEncoding.Bf16Bytes(scales));
        if (scheme != SyntheticScheme.Fp8)
        {
            add("input_scale", autoFp8 ? NumberEncoding.F32Bytes([StaticInputScales.Fp8]) : NumberEncoding.Bf16Bytes([StaticInputScales.Fp8]));
        }
    }
}
