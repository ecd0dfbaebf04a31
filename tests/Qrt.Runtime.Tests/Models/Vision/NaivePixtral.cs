using Qrt.Runtime.Tests.Models.Forward;
using Qrt.Runtime.Tests.Ops.Core;

namespace Qrt.Runtime.Tests.Models.Vision;

/// <summary>The weights of a Pixtral tower and Llava projector as double arrays, row-major as torch stores them.</summary>
internal sealed class NaivePixtralWeights
{
    /// <summary>patch_conv.weight [hidden, 3, p, p].</summary>
    public required double[] PatchConvolution { get; init; }

    public required double[] PreNorm { get; init; }

    public required NaivePixtralLayer[] Layers { get; init; }

    /// <summary>linear_1 [text, hidden] and its bias (null without projector bias).</summary>
    public required double[] ProjectorIn { get; init; }

    public required double[]? ProjectorInBias { get; init; }

    /// <summary>linear_2 [text, text] and its bias.</summary>
    public required double[] ProjectorOut { get; init; }

    public required double[]? ProjectorOutBias { get; init; }
}

/// <summary>One block's weights: q/k/v/o [hidden, hidden], gate/up [inter, hidden], down [hidden, inter], two norms.</summary>
internal sealed record NaivePixtralLayer(
    double[] AttentionNorm, double[] Query, double[] Key, double[] Value, double[] Output, double[] FfnNorm, double[] Gate, double[] Up, double[] Down);

/// <summary>
/// Pixtral's vision tower and Llava's projector in double precision, written from transformers' modeling_pixtral /
/// modeling_llava formulas as they read, one vector at a time: a Conv2d with kernel = stride = patch size over
/// each image, crop and row-major flatten, ln_pre, blocks with the additive block-diagonal mask and the rotary
/// table of a max_width × max_width grid indexed by h · max_width + w, no final norm; the projector
/// linear_2(gelu(linear_1(x))).
/// </summary>
internal sealed class NaivePixtral(int hidden, int intermediate, int heads, int patch, int imageSize, double theta, NaivePixtralWeights weights)
{
    private const double Eps = 1e-5;

    private int HeadDim => hidden / heads;

    /// <summary>
    /// The encoder output for images given as [3, rows·p, cols·p] pixel arrays (channel, row, column), the output of
    /// <paramref name="blocks"/> blocks; <paramref name="maxWidth"/> replaces image_size / patch_size in the position
    /// ids only, for mutation tests.
    /// </summary>
    public double[][] Encode(IReadOnlyList<(double[] Pixels, int Rows, int Columns)> images, int blocks, int? maxWidth = null)
    {
        var tokens = new List<double[]>();
        var positionIds = new List<int>();
        var imageOf = new List<int>();
        var side = imageSize / patch;
        var width = maxWidth ?? side;
        for (var image = 0; image < images.Count; image++)
        {
            var (pixels, rows, columns) = images[image];
            var feature = Convolve(pixels, rows * patch, columns * patch);
            for (var row = 0; row < rows; row++)
            {
                for (var column = 0; column < columns; column++)
                {
                    tokens.Add([.. Enumerable.Range(0, hidden).Select(o => feature[o][row, column])]);
                    positionIds.Add((row * width) + column);
                    imageOf.Add(image);
                }
            }
        }

        var (cosTable, sinTable) = RotaryTable(side);
        var cos = positionIds.Select(id => cosTable[id]).ToArray();
        var sin = positionIds.Select(id => sinTable[id]).ToArray();
        var states = tokens.Select(token => NaiveMath.RmsNorm(token, weights.PreNorm, Eps)).ToArray();
        foreach (var layer in weights.Layers.Take(blocks))
        {
            states = Block(layer, states, cos, sin, imageOf);
        }

        return states;
    }

    /// <summary>linear_2(GELU(linear_1(x))) with the exact erf GELU.</summary>
    public double[] Project(double[] feature)
    {
        var text = weights.ProjectorOut.Length / (weights.ProjectorIn.Length / hidden);
        var inner = NaiveMath.Linear(weights.ProjectorIn, weights.ProjectorInBias, feature, weights.ProjectorIn.Length / hidden);
        var activated = inner.Select(value => ActivationReference.Apply(Activation.Gelu, value)).ToArray();
        return NaiveMath.Linear(weights.ProjectorOut, weights.ProjectorOutBias, activated, text);
    }

    /// <summary>Conv2d(3 → hidden, kernel = stride = p, no bias): feature[o][r, c].</summary>
    private double[][,] Convolve(double[] pixels, int height, int width)
    {
        var rows = height / patch;
        var columns = width / patch;
        var result = new double[hidden][,];
        for (var o = 0; o < hidden; o++)
        {
            result[o] = new double[rows, columns];
            for (var r = 0; r < rows; r++)
            {
                for (var c = 0; c < columns; c++)
                {
                    double sum = 0;
                    for (var channel = 0; channel < 3; channel++)
                    {
                        for (var y = 0; y < patch; y++)
                        {
                            for (var x = 0; x < patch; x++)
                            {
                                var w = weights.PatchConvolution[(((o * 3) + channel) * patch * patch) + (y * patch) + x];
                                sum += w * pixels[(channel * height * width) + (((r * patch) + y) * width) + (c * patch) + x];
                            }
                        }
                    }

                    result[o][r, c] = sum;
                }
            }
        }

        return result;
    }

    /// <summary>
    /// PixtralRotaryEmbedding's table: freqs = 1/θ^(arange(0, d, 2)/d); row h·side + w is cat(h·freqs[::2],
    /// w·freqs[1::2]), then the whole row is concatenated with itself (d columns).
    /// </summary>
    private (double[][] Cos, double[][] Sin) RotaryTable(int side)
    {
        var d = HeadDim;
        var freqs = Enumerable.Range(0, d / 2).Select(i => 1.0 / Math.Pow(theta, 2.0 * i / d)).ToArray();
        var even = freqs.Where((_, i) => i % 2 == 0).ToArray();
        var odd = freqs.Where((_, i) => i % 2 == 1).ToArray();
        var cos = new double[side * side][];
        var sin = new double[side * side][];
        for (var h = 0; h < side; h++)
        {
            for (var w = 0; w < side; w++)
            {
                double[] half = [.. even.Select(f => h * f), .. odd.Select(f => w * f)];
                double[] full = [.. half, .. half];
                cos[(h * side) + w] = [.. full.Select(Math.Cos)];
                sin[(h * side) + w] = [.. full.Select(Math.Sin)];
            }
        }

        return (cos, sin);
    }

    private double[][] Block(NaivePixtralLayer layer, double[][] x, double[][] cos, double[][] sin, List<int> imageOf)
    {
        var count = x.Length;
        var d = HeadDim;
        var normed = x.Select(token => NaiveMath.RmsNorm(token, layer.AttentionNorm, Eps)).ToArray();
        var q = normed.Select((token, t) => Rotate(NaiveMath.Linear(layer.Query, null, token, hidden), cos[t], sin[t])).ToArray();
        var k = normed.Select((token, t) => Rotate(NaiveMath.Linear(layer.Key, null, token, hidden), cos[t], sin[t])).ToArray();
        var v = normed.Select(token => NaiveMath.Linear(layer.Value, null, token, hidden)).ToArray();
        var attended = new double[count][];
        for (var t = 0; t < count; t++)
        {
            attended[t] = new double[hidden];
            for (var head = 0; head < heads; head++)
            {
                // generate_block_attention_mask: 0 inside the query's image, the most negative value elsewhere.
                var scores = new double[count];
                for (var s = 0; s < count; s++)
                {
                    double dot = 0;
                    for (var i = 0; i < d; i++)
                    {
                        dot += q[t][(head * d) + i] * k[s][(head * d) + i];
                    }

                    scores[s] = (dot * Math.Pow(d, -0.5)) + (imageOf[s] == imageOf[t] ? 0 : double.MinValue);
                }

                var probabilities = NaiveMath.Softmax(scores);
                for (var s = 0; s < count; s++)
                {
                    for (var i = 0; i < d; i++)
                    {
                        attended[t][(head * d) + i] += probabilities[s] * v[s][(head * d) + i];
                    }
                }
            }
        }

        var h = x.Select((token, t) => NaiveMath.Add(token, NaiveMath.Linear(layer.Output, null, attended[t], hidden))).ToArray();
        return [.. h.Select(token =>
        {
            var n = NaiveMath.RmsNorm(token, layer.FfnNorm, Eps);
            var gate = NaiveMath.Linear(layer.Gate, null, n, intermediate);
            var up = NaiveMath.Linear(layer.Up, null, n, intermediate);
            var product = gate.Select((g, i) => NaiveMath.Silu(g) * up[i]).ToArray();
            return NaiveMath.Add(token, NaiveMath.Linear(layer.Down, null, product, hidden));
        })];
    }

    /// <summary>q·cos + rotate_half(q)·sin per head, rotate_half(x) = cat(−x[d/2:], x[:d/2]).</summary>
    private double[] Rotate(double[] x, double[] cos, double[] sin)
    {
        var d = HeadDim;
        var result = new double[x.Length];
        for (var head = 0; head < heads; head++)
        {
            var start = head * d;
            for (var i = 0; i < d; i++)
            {
                var rotated = i < d / 2 ? -x[start + i + (d / 2)] : x[start + i - (d / 2)];
                result[start + i] = (x[start + i] * cos[i]) + (rotated * sin[i]);
            }
        }

        return result;
    }
}
