namespace Qrt.Runtime;

/// <summary>
/// Round-to-nearest quantization of FP32 weights into the on-disk formats libqrt reads: compressed-tensors
/// pack-quantized integers (W4A16/W8A16), INT8 per channel (W8A8) and FP8 e4m3 per channel or per tensor.
/// Symmetric scales are max|w| / qmax (qmax = 2^(bits-1) − 1, or 448 for FP8) so no weight clips. This is
/// how synthetic checkpoints with real layouts are made; calibrated methods (GPTQ) produce the same layout.
/// </summary>
public static class WeightQuantizer
{
    /// <summary>
    /// Quantizes w [rows, cols] to <paramref name="bits"/>-bit integers with one scale per group of
    /// <paramref name="groupSize"/> input columns (0: per output channel), symmetric or with zero points.
    /// </summary>
    public static PackedIntWeight QuantizePacked(
        ReadOnlySpan<float> weights, int rows, int cols, int bits, int groupSize, bool symmetric, Device? device = null)
    {
        var codes = QuantizePackedCodes(weights, rows, cols, bits, groupSize, symmetric);
        var perWord = 32 / bits;
        var packed = PackRows(codes.Values, rows, cols, bits);
        var target = device ?? Device.Cpu;
        var packedTensor = QrtTensor.FromData<int>(packed, DType.I32, [rows, (cols + perWord - 1) / perWord], target);
        var scaleTensor = QrtTensor.FromData<float>(codes.Scales, DType.F32, [rows, codes.Groups], target);
        var zeroTensor = symmetric
            ? null
            : QrtTensor.FromData<int>(PackColumns(codes.Zeros, rows, codes.Groups, bits), DType.I32, [(rows + perWord - 1) / perWord, codes.Groups], target);
        return new PackedIntWeight(packedTensor, scaleTensor, zeroTensor, null, bits, groupSize);
    }

    /// <summary>
    /// The unpacked codes, scales [rows, groups] and zero points [rows, groups] of <see cref="QuantizePacked" />,
    /// in managed arrays. With <paramref name="groupIndex" /> (activation order) column c belongs to group
    /// groupIndex[c] instead of c / groupSize. <paramref name="roundScale" />, when given, maps each computed
    /// scale to the value that will be stored (e.g. a BF16 one) before the codes are rounded against it, so the
    /// stored scale is the one the codes were made with.
    /// </summary>
    internal static QuantizedCodes QuantizePackedCodes(
        ReadOnlySpan<float> weights, int rows, int cols, int bits, int groupSize, bool symmetric,
        ReadOnlySpan<int> groupIndex = default, Func<float, float>? roundScale = null)
    {
        if (bits is not (4 or 8))
        {
            throw new ArgumentOutOfRangeException(nameof(bits), bits, "pack-quantized weights have 4 or 8 bits");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(groupSize);
        if (weights.Length != (long)rows * cols)
        {
            throw new ArgumentException($"Expected {rows} x {cols} weights, got {weights.Length}.", nameof(weights));
        }

        if (!groupIndex.IsEmpty && (groupIndex.Length != cols || groupSize == 0))
        {
            throw new ArgumentException($"A group index needs one entry per column ({cols}) and a group size.", nameof(groupIndex));
        }

        var groups = groupSize == 0 ? 1 : (cols + groupSize - 1) / groupSize;
        var columnGroup = new int[cols];
        for (var c = 0; c < cols; c++)
        {
            columnGroup[c] = groupSize == 0 ? 0 : groupIndex.IsEmpty ? c / groupSize : groupIndex[c];
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(columnGroup[c], groups, nameof(groupIndex));
        }

        // Columns listed group by group, so each group's members are gathered in one pass over its list.
        var groupStart = new int[groups + 1];
        foreach (var g in columnGroup)
        {
            groupStart[g + 1]++;
        }

        for (var g = 0; g < groups; g++)
        {
            groupStart[g + 1] += groupStart[g];
        }

        var byGroup = new int[cols];
        var filled = groupStart[..^1];
        for (var c = 0; c < cols; c++)
        {
            byGroup[filled[columnGroup[c]]++] = c;
        }

        var qmin = -(1 << (bits - 1));
        var qmax = (1 << (bits - 1)) - 1;
        var values = new int[rows * cols];
        var scales = new float[rows * groups];
        var zeros = new int[rows * groups];
        var members = new float[cols];
        for (var r = 0; r < rows; r++)
        {
            var row = weights.Slice(r * cols, cols);
            for (var g = 0; g < groups; g++)
            {
                var count = 0;
                for (var i = groupStart[g]; i < groupStart[g + 1]; i++)
                {
                    members[count++] = row[byGroup[i]];
                }

                var (scale, zero) = symmetric ? SymmetricParameters(members.AsSpan(0, count), qmax) : AsymmetricParameters(members.AsSpan(0, count), qmin, qmax);
                if (roundScale is not null && scale != 0)
                {
                    // The zero point follows the stored scale, so the group's range still maps onto [qmin, qmax].
                    var exact = scale;
                    scale = roundScale(scale);
                    zero = symmetric ? 0 : Math.Clamp((int)MathF.Round((zero * exact / scale) - (qmin * exact / scale) + qmin, MidpointRounding.ToEven), qmin, qmax);
                }

                scales[(r * groups) + g] = scale;
                zeros[(r * groups) + g] = zero;
            }

            for (var c = 0; c < cols; c++)
            {
                var g = columnGroup[c];
                var scale = scales[(r * groups) + g];
                var q = scale == 0 ? 0 : (int)MathF.Round(row[c] / scale, MidpointRounding.ToEven) + zeros[(r * groups) + g];
                values[(r * cols) + c] = Math.Clamp(q, qmin, qmax);
            }
        }

        return new QuantizedCodes(values, scales, zeros, groups);
    }

    /// <summary>Quantizes w [rows, cols] to INT8 with one scale per output row (max|w| / 127).</summary>
    public static (QrtTensor Weight, QrtTensor Scale) QuantizeInt8PerChannel(ReadOnlySpan<float> weights, int rows, int cols, Device? device = null)
    {
        var (values, scales) = QuantizeInt8Codes(weights, rows, cols, perChannel: true);
        var target = device ?? Device.Cpu;
        return (QrtTensor.FromData<sbyte>(values, DType.I8, [rows, cols], target), QrtTensor.FromData<float>(scales, DType.F32, [rows], target));
    }

    /// <summary>
    /// INT8 codes [rows, cols] and scales (one per row, or one in all) in managed arrays: scale = max|w| / 127,
    /// mapped through <paramref name="roundScale" /> when given (see <see cref="QuantizePackedCodes" />).
    /// </summary>
    internal static (sbyte[] Values, float[] Scales) QuantizeInt8Codes(
        ReadOnlySpan<float> weights, int rows, int cols, bool perChannel, Func<float, float>? roundScale = null)
    {
        var values = new sbyte[rows * cols];
        var scales = new float[perChannel ? rows : 1];
        for (var s = 0; s < scales.Length; s++)
        {
            var scale = SymmetricParameters(perChannel ? weights.Slice(s * cols, cols) : weights, 127).Scale;
            scales[s] = roundScale is null ? scale : roundScale(scale);
        }

        for (var r = 0; r < rows; r++)
        {
            var scale = scales[perChannel ? r : 0];
            var row = weights.Slice(r * cols, cols);
            for (var c = 0; c < cols; c++)
            {
                values[(r * cols) + c] = scale == 0 ? (sbyte)0 : (sbyte)Math.Clamp(MathF.Round(row[c] / scale, MidpointRounding.ToEven), -128, 127);
            }
        }

        return (values, scales);
    }

    /// <summary>
    /// Quantizes w [rows, cols] to FP8 e4m3 with one scale per output row (or one for the whole tensor):
    /// scale = max|w| / 448, codes = w / scale rounded to nearest even by libqrt's conversion.
    /// </summary>
    public static (QrtTensor Weight, QrtTensor Scale) QuantizeFp8(ReadOnlySpan<float> weights, int rows, int cols, bool perChannel, Device? device = null)
    {
        var scales = Fp8Scales(weights, rows, cols, perChannel);
        var scaled = new float[weights.Length];
        for (var i = 0; i < scaled.Length; i++)
        {
            var scale = scales[perChannel ? i / cols : 0];
            scaled[i] = scale == 0 ? 0 : weights[i] / scale;
        }

        var target = device ?? Device.Cpu;
        var weight = QrtTensor.FromFloats(scaled, DType.F8E4M3, [rows, cols], target);
        return (weight, QrtTensor.FromData<float>(scales, DType.F32, [scales.Length], target));
    }

    /// <summary>The FP8 scales of w [rows, cols]: max|w| / 448 per row, or one for the whole tensor.</summary>
    internal static float[] Fp8Scales(ReadOnlySpan<float> weights, int rows, int cols, bool perChannel)
    {
        var scales = new float[perChannel ? rows : 1];
        for (var r = 0; r < scales.Length; r++)
        {
            scales[r] = SymmetricParameters(perChannel ? weights.Slice(r * cols, cols) : weights, 448f).Scale;
        }

        return scales;
    }

    /// <summary>
    /// Packs signed values [rows, cols] into I32 words along each row, lowest bits first, storing q + 2^(bits-1)
    /// (the compressed-tensors "pack-quantized" layout).
    /// </summary>
    public static int[] PackRows(ReadOnlySpan<int> values, int rows, int cols, int bits)
    {
        var perWord = 32 / bits;
        var words = (cols + perWord - 1) / perWord;
        var packed = new int[rows * words];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < cols; c++)
            {
                packed[(r * words) + (c / perWord)] |= Offset(values[(r * cols) + c], bits) << (bits * (c % perWord));
            }
        }

        return packed;
    }

    /// <summary>Packs signed values [rows, cols] into I32 words down each column (zero points), the same way.</summary>
    public static int[] PackColumns(ReadOnlySpan<int> values, int rows, int cols, int bits)
    {
        var perWord = 32 / bits;
        var wordRows = (rows + perWord - 1) / perWord;
        var packed = new int[wordRows * cols];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < cols; c++)
            {
                packed[((r / perWord) * cols) + c] |= Offset(values[(r * cols) + c], bits) << (bits * (r % perWord));
            }
        }

        return packed;
    }

    private static int Offset(int value, int bits) => (value + (1 << (bits - 1))) & ((1 << bits) - 1);

    private static (float Scale, int Zero) SymmetricParameters(ReadOnlySpan<float> values, float qmax)
    {
        var absMax = 0f;
        foreach (var v in values)
        {
            absMax = MathF.Max(absMax, MathF.Abs(v));
        }

        return (absMax / qmax, 0);
    }

    private static (float Scale, int Zero) AsymmetricParameters(ReadOnlySpan<float> values, int qmin, int qmax)
    {
        // The range always contains 0 so that zero weights stay exact.
        float min = 0f, max = 0f;
        foreach (var v in values)
        {
            min = MathF.Min(min, v);
            max = MathF.Max(max, v);
        }

        var scale = (max - min) / (qmax - qmin);
        if (scale == 0)
        {
            return (0, 0);
        }

        var zero = (int)MathF.Round(qmin - (min / scale), MidpointRounding.ToEven);
        return (scale, Math.Clamp(zero, qmin, qmax));
    }
}

/// <summary>Unpacked integer codes [rows, cols] with scales and zero points [rows, Groups], row-major.</summary>
internal sealed record QuantizedCodes(int[] Values, float[] Scales, int[] Zeros, int Groups);
