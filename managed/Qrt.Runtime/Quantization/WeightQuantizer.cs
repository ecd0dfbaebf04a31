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
        if (bits is not (4 or 8))
        {
            throw new ArgumentOutOfRangeException(nameof(bits), bits, "pack-quantized weights have 4 or 8 bits");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(groupSize);
        if (weights.Length != (long)rows * cols)
        {
            throw new ArgumentException($"Expected {rows} x {cols} weights, got {weights.Length}.", nameof(weights));
        }

        var groupWidth = groupSize == 0 ? cols : groupSize;
        var groups = groupSize == 0 ? 1 : (cols + groupSize - 1) / groupSize;
        var qmin = -(1 << (bits - 1));
        var qmax = (1 << (bits - 1)) - 1;
        var values = new int[rows * cols];
        var scales = new float[rows * groups];
        var zeros = new int[rows * groups];
        for (var r = 0; r < rows; r++)
        {
            for (var g = 0; g < groups; g++)
            {
                var begin = g * groupWidth;
                var end = Math.Min(cols, begin + groupWidth);
                var row = weights.Slice((r * cols) + begin, end - begin);
                var (scale, zero) = symmetric ? SymmetricParameters(row, qmax) : AsymmetricParameters(row, qmin, qmax);
                scales[(r * groups) + g] = scale;
                zeros[(r * groups) + g] = zero;
                for (var c = begin; c < end; c++)
                {
                    var q = scale == 0 ? 0 : (int)MathF.Round(weights[(r * cols) + c] / scale, MidpointRounding.ToEven) + zero;
                    values[(r * cols) + c] = Math.Clamp(q, qmin, qmax);
                }
            }
        }

        var perWord = 32 / bits;
        var packed = PackRows(values, rows, cols, bits);
        var target = device ?? Device.Cpu;
        var packedTensor = QrtTensor.FromData<int>(packed, DType.I32, [rows, (cols + perWord - 1) / perWord], target);
        var scaleTensor = QrtTensor.FromData<float>(scales, DType.F32, [rows, groups], target);
        var zeroTensor = symmetric
            ? null
            : QrtTensor.FromData<int>(PackColumns(zeros, rows, groups, bits), DType.I32, [(rows + perWord - 1) / perWord, groups], target);
        return new PackedIntWeight(packedTensor, scaleTensor, zeroTensor, null, bits, groupSize);
    }

    /// <summary>Quantizes w [rows, cols] to INT8 with one scale per output row (max|w| / 127).</summary>
    public static (QrtTensor Weight, QrtTensor Scale) QuantizeInt8PerChannel(ReadOnlySpan<float> weights, int rows, int cols, Device? device = null)
    {
        var values = new sbyte[rows * cols];
        var scales = new float[rows];
        for (var r = 0; r < rows; r++)
        {
            var row = weights.Slice(r * cols, cols);
            var (scale, _) = SymmetricParameters(row, 127);
            scales[r] = scale;
            for (var c = 0; c < cols; c++)
            {
                values[(r * cols) + c] = scale == 0 ? (sbyte)0 : (sbyte)Math.Clamp(MathF.Round(row[c] / scale, MidpointRounding.ToEven), -128, 127);
            }
        }

        var target = device ?? Device.Cpu;
        return (QrtTensor.FromData<sbyte>(values, DType.I8, [rows, cols], target), QrtTensor.FromData<float>(scales, DType.F32, [rows], target));
    }

    /// <summary>
    /// Quantizes w [rows, cols] to FP8 e4m3 with one scale per output row (or one for the whole tensor):
    /// scale = max|w| / 448, codes = w / scale rounded to nearest even by libqrt's conversion.
    /// </summary>
    public static (QrtTensor Weight, QrtTensor Scale) QuantizeFp8(ReadOnlySpan<float> weights, int rows, int cols, bool perChannel, Device? device = null)
    {
        var scales = new float[perChannel ? rows : 1];
        for (var r = 0; r < scales.Length; r++)
        {
            scales[r] = SymmetricParameters(perChannel ? weights.Slice(r * cols, cols) : weights, 448f).Scale;
        }

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
