using Qrt.Runtime.Tests.Ops.Core;

namespace Qrt.Runtime.Tests.Models.Vision;

/// <summary>One block's weights, row-major [out, in], as doubles.</summary>
internal sealed record Qwen2VlNaiveBlock(
    double[] Norm1Weight, double[] Norm1Bias, double[] Qkv, double[] QkvBias, double[] Proj, double[] ProjBias,
    double[] Norm2Weight, double[] Norm2Bias, double[] Fc1, double[] Fc1Bias, double[] Fc2, double[] Fc2Bias);

/// <summary>The tower's and merger's weights as doubles.</summary>
internal sealed class Qwen2VlNaiveWeights
{
    public required double[] PatchEmbedding { get; init; }

    public required Qwen2VlNaiveBlock[] Blocks { get; init; }

    public required double[] MergerNormWeight { get; init; }

    public required double[] MergerNormBias { get; init; }

    public required double[] MergerIn { get; init; }

    public required double[] MergerInBias { get; init; }

    public required double[] MergerOut { get; init; }

    public required double[] MergerOutBias { get; init; }
}

/// <summary>
/// Qwen2-VL's vision tower and PatchMerger recomputed in double precision, step by step as transformers'
/// modeling_qwen2_vl.py states them: rot_pos_emb's (h, w) ids through reshape(h/m, m, w/m, m).permute(0, 2, 1, 3),
/// cat(emb, emb) with rotate_half, cu_seqlens of h·w per frame, LayerNorm with biased variance, QuickGELU and the
/// erf GELU, and the merger's view of m² consecutive rows as one.
/// </summary>
/// <param name="swapAxes">A deliberate error for the mutation test: the column id drives the first half of the rotary angles.</param>
internal sealed class Qwen2VlNaive(Qwen2VlNaiveWeights weights, int embed, int heads, int merge, int hidden, bool swapAxes = false)
{
    private const double Eps = 1e-6;
    private const double Theta = 10000.0;
    private readonly int _headDim = embed / heads;

    /// <summary>Merged tokens [Σ t·h·w / m², hidden] of patch rows laid out frame after frame, each in merge-window order.</summary>
    public double[][] Encode(double[][] patches, IReadOnlyList<(int T, int H, int W)> grids)
    {
        var (rowIds, columnIds, segments) = Layout(grids);
        var x = patches.Select(row => Linear(weights.PatchEmbedding, null, row, embed)).ToArray();
        foreach (var block in weights.Blocks)
        {
            var attended = Attention(block, x.Select(row => LayerNorm(row, block.Norm1Weight, block.Norm1Bias)).ToArray(), rowIds, columnIds, segments);
            x = [.. x.Select((row, n) => Add(row, attended[n]))];
            x = [.. x.Select(row =>
            {
                var inner = Linear(block.Fc1, block.Fc1Bias, LayerNorm(row, block.Norm2Weight, block.Norm2Bias), block.Fc1Bias.Length);
                var activated = inner.Select(value => ActivationReference.Apply(Activation.QuickGelu, value)).ToArray();
                return Add(row, Linear(block.Fc2, block.Fc2Bias, activated, embed));
            })];
        }

        var normed = x.Select(row => LayerNorm(row, weights.MergerNormWeight, weights.MergerNormBias)).ToArray();
        var unit = merge * merge;
        return [.. Enumerable.Range(0, normed.Length / unit).Select(window =>
        {
            var joined = normed.Skip(window * unit).Take(unit).SelectMany(row => row).ToArray();
            var inner = Linear(weights.MergerIn, weights.MergerInBias, joined, joined.Length);
            var activated = inner.Select(value => ActivationReference.Apply(Activation.Gelu, value)).ToArray();
            return Linear(weights.MergerOut, weights.MergerOutBias, activated, hidden);
        })];
    }

    /// <summary>Row and column id of every patch, and the [start, end) of every frame.</summary>
    private (int[] Rows, int[] Columns, (int Start, int End)[] Segments) Layout(IReadOnlyList<(int T, int H, int W)> grids)
    {
        var rows = new List<int>();
        var columns = new List<int>();
        var segments = new List<(int, int)>();
        foreach (var (t, h, w) in grids)
        {
            // hpos[r, c] = r and wpos[r, c] = c, viewed as [h/m, m, w/m, m] and permuted to [h/m, w/m, m, m]: element
            // [a, b, i, j] of the permuted tensor is element [a·m + i, b·m + j] of the grid.
            var frameRows = new List<int>();
            var frameColumns = new List<int>();
            for (var a = 0; a < h / merge; a++)
            {
                for (var b = 0; b < w / merge; b++)
                {
                    for (var i = 0; i < merge; i++)
                    {
                        for (var j = 0; j < merge; j++)
                        {
                            frameRows.Add((a * merge) + i);
                            frameColumns.Add((b * merge) + j);
                        }
                    }
                }
            }

            for (var frame = 0; frame < t; frame++)
            {
                segments.Add((rows.Count, rows.Count + (h * w)));
                rows.AddRange(frameRows);
                columns.AddRange(frameColumns);
            }
        }

        return ([.. rows], [.. columns], [.. segments]);
    }

    private double[][] Attention(Qwen2VlNaiveBlock block, double[][] x, int[] rowIds, int[] columnIds, (int Start, int End)[] segments)
    {
        var tokens = x.Length;
        var qkv = x.Select(row => Linear(block.Qkv, block.QkvBias, row, 3 * embed)).ToArray();
        // qkv.reshape(T, 3, heads, head_dim): q, k, v of head h at offsets 0, embed, 2·embed, plus h·head_dim.
        double[] Head(int n, int part, int head) => qkv[n].Skip((part * embed) + (head * _headDim)).Take(_headDim).ToArray();
        var output = Enumerable.Range(0, tokens).Select(_ => new double[embed]).ToArray();
        var scale = 1 / Math.Sqrt(_headDim);
        foreach (var (start, end) in segments)
        {
            for (var head = 0; head < heads; head++)
            {
                var q = Enumerable.Range(start, end - start).Select(n => Rotate(Head(n, 0, head), rowIds[n], columnIds[n])).ToArray();
                var k = Enumerable.Range(start, end - start).Select(n => Rotate(Head(n, 1, head), rowIds[n], columnIds[n])).ToArray();
                var v = Enumerable.Range(start, end - start).Select(n => Head(n, 2, head)).ToArray();
                for (var i = 0; i < q.Length; i++)
                {
                    var scores = k.Select(key => Dot(q[i], key) * scale).ToArray();
                    var top = scores.Max();
                    var weightsOfKeys = scores.Select(score => Math.Exp(score - top)).ToArray();
                    var total = weightsOfKeys.Sum();
                    for (var d = 0; d < _headDim; d++)
                    {
                        output[start + i][(head * _headDim) + d] = Enumerable.Range(0, v.Length).Sum(j => weightsOfKeys[j] * v[j][d]) / total;
                    }
                }
            }
        }

        return [.. output.Select(row => Linear(block.Proj, block.ProjBias, row, embed))];
    }

    /// <summary>q·cos + rotate_half(q)·sin with the angles cat(emb, emb), emb = cat(row·inv_freq, column·inv_freq).</summary>
    private double[] Rotate(double[] q, int row, int column)
    {
        var dim = _headDim / 2;
        var inverse = Enumerable.Range(0, dim / 2).Select(i => 1 / Math.Pow(Theta, 2.0 * i / dim)).ToArray();
        var (first, second) = swapAxes ? (column, row) : (row, column);
        var emb = inverse.Select(f => first * f).Concat(inverse.Select(f => second * f)).ToArray();
        var angles = emb.Concat(emb).ToArray();
        var rotated = new double[_headDim];
        for (var j = 0; j < _headDim; j++)
        {
            var half = j < dim ? -q[j + dim] : q[j - dim];
            rotated[j] = (q[j] * Math.Cos(angles[j])) + (half * Math.Sin(angles[j]));
        }

        return rotated;
    }

    private static double[] LayerNorm(double[] x, double[] weight, double[] bias)
    {
        var mean = x.Average();
        var variance = x.Select(value => (value - mean) * (value - mean)).Average();
        var inverse = 1 / Math.Sqrt(variance + Eps);
        return [.. x.Select((value, i) => ((value - mean) * inverse * weight[i]) + bias[i])];
    }

    private static double[] Linear(double[] weight, double[]? bias, double[] x, int outFeatures) =>
        [.. Enumerable.Range(0, outFeatures).Select(o => Enumerable.Range(0, x.Length).Sum(i => weight[(o * x.Length) + i] * x[i]) + (bias?[o] ?? 0))];

    private static double[] Add(double[] a, double[] b) => [.. a.Select((value, i) => value + b[i])];

    private static double Dot(double[] a, double[] b) => a.Select((value, i) => value * b[i]).Sum();
}
