namespace Qrt.Runtime.Models.Decoder;

/// <summary>
/// Qwen2-VL's multimodal rotary embedding (M-RoPE) as cos/sin tables for <see cref="Ops.RopeCosSin"/>. Every
/// token has three positions — temporal, height, width — and the rotary frequencies are split into three
/// consecutive sections (<c>mrope_section</c>, e.g. [16, 24, 24] of head_dim / 2 = 64): frequency i rotates
/// by the position of the section it falls in. transformers concatenates the frequencies twice and splits the
/// doubled list with the section list repeated; in the half-split layout of the rotary op that is the same
/// assignment on each half, so one table of head_dim / 2 columns serves both. Text tokens carry three equal
/// positions, which makes M-RoPE the ordinary 1-D rotary embedding.
/// </summary>
internal static class MultimodalRotary
{
    /// <summary>
    /// cos and sin [T, D/2] for positions [3][T] (temporal, height, width) and inverse frequencies [D/2];
    /// angles are computed in FP32 as position · inv_freq, as transformers does.
    /// </summary>
    public static (float[] Cos, float[] Sin) Tables(IReadOnlyList<int> sections, ReadOnlySpan<float> inverseFrequencies, int[][] positions)
    {
        ArgumentNullException.ThrowIfNull(sections);
        ArgumentNullException.ThrowIfNull(positions);
        var half = inverseFrequencies.Length;
        if (sections.Count != 3 || sections.Any(width => width < 0) || sections.Sum() != half)
        {
            throw new ArgumentException($"mrope_section must be three non-negative widths summing to head_dim / 2 = {half}; got [{string.Join(", ", sections)}]", nameof(sections));
        }

        if (positions.Length != 3 || positions.Any(axis => axis is null || axis.Length != positions[0].Length))
        {
            throw new ArgumentException("positions must be three arrays (temporal, height, width) of one length", nameof(positions));
        }

        var axisOf = new int[half];
        for (int i = 0, axis = 0, end = sections[0]; i < half; i++)
        {
            while (i >= end)
            {
                end += sections[++axis];
            }

            axisOf[i] = axis;
        }

        var tokens = positions[0].Length;
        var cos = new float[tokens * half];
        var sin = new float[tokens * half];
        for (var t = 0; t < tokens; t++)
        {
            for (var i = 0; i < half; i++)
            {
                var angle = positions[axisOf[i]][t] * inverseFrequencies[i];
                cos[(t * half) + i] = MathF.Cos(angle);
                sin[(t * half) + i] = MathF.Sin(angle);
            }
        }

        return (cos, sin);
    }
}
