namespace Qrt.Runtime.Tests.Models.Multimodal;

/// <summary>
/// Qwen2-VL's M-RoPE as transformers' apply_multimodal_rotary_pos_emb states it, in double precision: for each axis a
/// (temporal, height, width) the angles position_a · inv_freq_i, inv_freq_i = θ^(−2i/d), are doubled to
/// emb_a = cat(freqs_a, freqs_a) of d columns; the d columns are split into chunks of widths mrope_section · 2
/// ([s0, s1, s2, s0, s1, s2]) and chunk k takes its cos and sin from axis k mod 3; then x · cos + rotate_half(x) · sin
/// with rotate_half(x) = cat(−x[d/2:], x[:d/2]).
/// </summary>
internal static class NaiveMultimodalRotary
{
    /// <summary>Rotates the head of width <paramref name="headDim"/> at <paramref name="offset"/> in place.</summary>
    public static void Apply(double[] values, int offset, int headDim, IReadOnlyList<int> positions, IReadOnlyList<int> sections, double theta)
    {
        var half = headDim / 2;
        if (positions.Count != 3 || sections.Count != 3 || sections.Sum() != half)
        {
            throw new ArgumentException($"M-RoPE takes three positions and three sections summing to {half}");
        }

        int[] chunks = [.. sections, .. sections];
        var axisOfColumn = chunks.SelectMany((width, chunk) => Enumerable.Repeat(chunk % 3, width)).ToArray();
        var cos = new double[headDim];
        var sin = new double[headDim];
        for (var column = 0; column < headDim; column++)
        {
            // emb = cat(freqs, freqs): column j carries frequency j mod d/2.
            var inverseFrequency = Math.Pow(theta, -2.0 * (column % half) / headDim);
            (sin[column], cos[column]) = Math.SinCos(positions[axisOfColumn[column]] * inverseFrequency);
        }

        var x = values.AsSpan(offset, headDim).ToArray();
        for (var column = 0; column < headDim; column++)
        {
            var rotated = column < half ? -x[column + half] : x[column - half];
            values[offset + column] = (x[column] * cos[column]) + (rotated * sin[column]);
        }
    }
}
