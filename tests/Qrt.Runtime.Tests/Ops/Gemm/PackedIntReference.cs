namespace Qrt.Runtime.Tests.Ops.Gemm;

/// <summary>
/// The compressed-tensors "pack-quantized" layout written from qrt.h, independently of WeightQuantizer: value j
/// of a line goes to word j / (32 / bits) at bit bits·(j % (32 / bits)), lowest bits first, stored as q + 2^(bits−1).
/// Weights are packed along K (rows), zero points along N (down columns).
/// </summary>
internal static class PackedIntReference
{
    public static int ValuesPerWord(int bits) => 32 / bits;

    public static int WordCount(int values, int bits) => (values + ValuesPerWord(bits) - 1) / ValuesPerWord(bits);

    /// <summary>q [rows, cols] packed along each row into [rows, WordCount(cols)] words.</summary>
    public static int[] PackAlongRows(int[] q, int rows, int cols, int bits)
    {
        var wordsPerRow = WordCount(cols, bits);
        var words = new uint[rows * wordsPerRow];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < cols; c++)
            {
                words[(r * wordsPerRow) + (c / ValuesPerWord(bits))] |= Stored(q[(r * cols) + c], bits) << (bits * (c % ValuesPerWord(bits)));
            }
        }

        return Array.ConvertAll(words, word => unchecked((int)word));
    }

    /// <summary>q [rows, cols] packed down each column into [WordCount(rows), cols] words.</summary>
    public static int[] PackAlongColumns(int[] q, int rows, int cols, int bits)
    {
        var words = new uint[WordCount(rows, bits) * cols];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < cols; c++)
            {
                words[((r / ValuesPerWord(bits)) * cols) + c] |= Stored(q[(r * cols) + c], bits) << (bits * (r % ValuesPerWord(bits)));
            }
        }

        return Array.ConvertAll(words, word => unchecked((int)word));
    }

    /// <summary>Value (r, c) of a matrix with <paramref name="cols"/> columns packed along rows.</summary>
    public static int UnpackAlongRows(int[] words, int cols, int bits, int r, int c) =>
        Signed(words[(r * WordCount(cols, bits)) + (c / ValuesPerWord(bits))] >>> (bits * (c % ValuesPerWord(bits))), bits);

    /// <summary>Value (r, c) of a matrix with <paramref name="cols"/> columns packed down columns.</summary>
    public static int UnpackAlongColumns(int[] words, int cols, int bits, int r, int c) =>
        Signed(words[((r / ValuesPerWord(bits)) * cols) + c] >>> (bits * (r % ValuesPerWord(bits))), bits);

    /// <summary>
    /// The weight [n, k] in double: W[i][j] = (q − z)·scale[i][g] with g = gIdx[j], or j / groupSize (0 when per channel).
    /// </summary>
    public static double[] Dequantize(int[] packed, float[] scales, int[]? zeroPoints, int[]? gIdx, int n, int k, int bits, int groupSize)
    {
        var groups = groupSize == 0 ? 1 : (k + groupSize - 1) / groupSize;
        var weights = new double[n * k];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < k; j++)
            {
                var g = gIdx?[j] ?? (groupSize == 0 ? 0 : j / groupSize);
                var z = zeroPoints is null ? 0 : UnpackAlongColumns(zeroPoints, groups, bits, i, g);
                weights[(i * k) + j] = (UnpackAlongRows(packed, k, bits, i, j) - z) * (double)scales[(i * groups) + g];
            }
        }

        return weights;
    }

    private static uint Stored(int q, int bits)
    {
        var stored = q + (1 << (bits - 1));
        if (stored < 0 || stored >= 1 << bits)
        {
            throw new ArgumentOutOfRangeException(nameof(q), q, $"not a signed {bits}-bit value");
        }

        return (uint)stored;
    }

    private static int Signed(int shiftedWord, int bits) => (shiftedWord & ((1 << bits) - 1)) - (1 << (bits - 1));
}
