using static Qrt.Runtime.Tests.Ops.Core.CoreTesting;

namespace Qrt.Runtime.Tests.Ops.Core;

/// <summary>The sizes and mask of one attention call.</summary>
internal sealed record AttentionCase(
    string Name, int QueryTokens, int KeyTokens, int QueryHeads, int KvHeads, int Dims, int ValueDims,
    bool Causal, int Window = 0, int[]? Segments = null, float? Scale = null)
{
    public float EffectiveScale => Scale ?? (float)(1 / Math.Sqrt(Dims));

    public override string ToString() => Name;
}

/// <summary>qrt_attention from its definition in qrt.h, in double, on row-major [T, H, D] values.</summary>
internal static class AttentionReference
{
    /// <summary>
    /// The output [Tq, Hq, Dv], and the absolute error an FP32 evaluation may make before its final store: each
    /// score's D-term dot product is off by up to (D + 1)·2^-24·scale·Σ|q·k| (δ), which moves each softmax weight
    /// by up to 2δ of itself; the exponentials (one ulp), the shift by the maximum, the sum of Tk weights, the
    /// accumulation of Tk weighted rows and the division add (2·Tk + 6)·2^-24 relative to Σ p·|v| — all at most
    /// max|v| in size.
    /// </summary>
    public static (double[] Output, double Atol) Compute(AttentionCase c, float[] q, float[] k, float[] v)
    {
        var output = new double[c.QueryTokens * c.QueryHeads * c.ValueDims];
        var group = c.QueryHeads / c.KvHeads;
        double scale = c.EffectiveScale;
        double largestScoreError = 0;
        for (var i = 0; i < c.QueryTokens; i++)
        {
            for (var h = 0; h < c.QueryHeads; h++)
            {
                var kv = h / group;
                var visible = Enumerable.Range(0, c.KeyTokens).Where(j => Visible(c, i, j)).ToArray();
                var scores = new double[visible.Length];
                for (var n = 0; n < visible.Length; n++)
                {
                    double dot = 0, magnitude = 0;
                    for (var d = 0; d < c.Dims; d++)
                    {
                        double product = (double)q[(((i * c.QueryHeads) + h) * c.Dims) + d] * k[(((visible[n] * c.KvHeads) + kv) * c.Dims) + d];
                        dot += product;
                        magnitude += Math.Abs(product);
                    }

                    scores[n] = scale * dot;
                    largestScoreError = Math.Max(largestScoreError, (c.Dims + 1) * Fp32Unit * scale * magnitude);
                }

                if (visible.Length == 0)
                {
                    continue;
                }

                var largest = scores.Max();
                var weights = scores.Select(s => Math.Exp(s - largest)).ToArray();
                var total = weights.Sum();
                for (var n = 0; n < visible.Length; n++)
                {
                    for (var e = 0; e < c.ValueDims; e++)
                    {
                        output[(((i * c.QueryHeads) + h) * c.ValueDims) + e] += weights[n] / total * v[(((visible[n] * c.KvHeads) + kv) * c.ValueDims) + e];
                    }
                }
            }
        }

        var largestValue = v.Length == 0 ? 0 : v.Max(Math.Abs);
        var atol = largestValue * ((2 * largestScoreError) + (((2 * c.KeyTokens) + 6) * Fp32Unit));
        return (output, atol);
    }

    /// <summary>
    /// Whether query i sees key j. Without segments the queries are the last Tq of the Tk positions; with them,
    /// positions count from the start of each segment and attention stays inside it. Causal: key position ≤ query
    /// position. A window W: key position &gt; query position − W.
    /// </summary>
    public static bool Visible(AttentionCase c, int i, int j)
    {
        int queryPosition, keyPosition;
        if (c.Segments is { } offsets)
        {
            var segment = Enumerable.Range(0, offsets.Length - 1).First(s => offsets[s] <= i && i < offsets[s + 1]);
            if (j < offsets[segment] || j >= offsets[segment + 1])
            {
                return false;
            }

            queryPosition = i - offsets[segment];
            keyPosition = j - offsets[segment];
        }
        else
        {
            queryPosition = i + c.KeyTokens - c.QueryTokens;
            keyPosition = j;
        }

        return (!c.Causal || keyPosition <= queryPosition) && (c.Window == 0 || keyPosition > queryPosition - c.Window);
    }
}
