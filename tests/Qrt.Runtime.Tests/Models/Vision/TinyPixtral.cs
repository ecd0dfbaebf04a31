using Qrt.Runtime.Layers;
using Qrt.Runtime.Models.Decoder;
using Qrt.Runtime.Models.Vision;

namespace Qrt.Runtime.Tests.Models.Vision;

/// <summary>
/// A tiny Pixtral tower (hidden 32, 2 blocks of 2 heads × 16, MLP 64, patch 4, image_size 32: an 8 × 8 position
/// grid) and a projector to a 40-wide text model, with seeded random FP32 weights held both as doubles for
/// <see cref="NaivePixtral"/> and as runtime layers.
/// </summary>
internal sealed class TinyPixtral
{
    public const int Hidden = 32;
    public const int Intermediate = 64;
    public const int Layers = 2;
    public const int Heads = 2;
    public const int HeadDim = 16;
    public const int Patch = 4;
    public const int ImageSize = 32;
    public const int TextHidden = 40;
    public const double Theta = 10000.0;

    public TinyPixtral(int seed, bool projectorBias = true)
    {
        var random = new Random(seed);
        // Weights ~ U(−1, 1)/√fan_in keep every activation of order one; norms scatter around 1. Every value is
        // rounded to FP32 here, so the runtime and the reference multiply by exactly the same weights.
        double Single(double value) => (float)value;
        double[] Matrix(int rows, int columns) => [.. Enumerable.Range(0, rows * columns).Select(_ => Single(((2 * random.NextDouble()) - 1) / Math.Sqrt(columns)))];
        double[] Norm(int width) => [.. Enumerable.Range(0, width).Select(_ => Single(0.5 + random.NextDouble()))];
        double[] Bias(int width) => [.. Enumerable.Range(0, width).Select(_ => Single((random.NextDouble() - 0.5) * 0.4))];
        var patchFeatures = 3 * Patch * Patch;
        Weights = new NaivePixtralWeights
        {
            PatchConvolution = Matrix(Hidden, patchFeatures),
            PreNorm = Norm(Hidden),
            Layers = [.. Enumerable.Range(0, Layers).Select(_ => new NaivePixtralLayer(
                Norm(Hidden), Matrix(Hidden, Hidden), Matrix(Hidden, Hidden), Matrix(Hidden, Hidden), Matrix(Hidden, Hidden),
                Norm(Hidden), Matrix(Intermediate, Hidden), Matrix(Intermediate, Hidden), Matrix(Hidden, Intermediate)))],
            ProjectorIn = Matrix(TextHidden, Hidden),
            ProjectorInBias = projectorBias ? Bias(TextHidden) : null,
            ProjectorOut = Matrix(TextHidden, TextHidden),
            ProjectorOutBias = projectorBias ? Bias(TextHidden) : null,
        };
    }

    public NaivePixtralWeights Weights { get; }

    public static PixtralVisionConfig Config => new(Hidden, Intermediate, Layers, Heads, HeadDim, Patch, ImageSize, Theta);

    public NaivePixtral Naive() => new(Hidden, Intermediate, Heads, Patch, ImageSize, Theta, Weights);

    /// <summary>The encoder over the same weights as FP32 dense layers (the doubles are FP32 values, so nothing is rounded on the way).</summary>
    public PixtralVisionEncoder Encoder()
    {
        var layers = Weights.Layers.Select(layer => new PixtralVisionLayer(
            Tensor(layer.AttentionNorm, [Hidden]),
            Dense(layer.Query, Hidden), Dense(layer.Key, Hidden), Dense(layer.Value, Hidden), Dense(layer.Output, Hidden),
            Tensor(layer.FfnNorm, [Hidden]),
            new GatedMlp(Dense(layer.Gate, Intermediate), Dense(layer.Up, Intermediate), Dense(layer.Down, Hidden)),
            Heads, HeadDim)).ToArray();
        return new PixtralVisionEncoder(Config, Dense(Weights.PatchConvolution, Hidden), Tensor(Weights.PreNorm, [Hidden]), layers);
    }

    public LlavaProjector Projector() =>
        new(Dense(Weights.ProjectorIn, TextHidden, Weights.ProjectorInBias), Dense(Weights.ProjectorOut, TextHidden, Weights.ProjectorOutBias));

    /// <summary>Random normalised pixels [3, rows·p, cols·p], of the size CLIP normalisation produces (about ±2).</summary>
    public static double[] Pixels(int seed, int rows, int columns)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, 3 * rows * Patch * columns * Patch).Select(_ => (float)((random.NextDouble() * 4) - 2)).Select(value => (double)value)];
    }

    /// <summary>
    /// Patch rows [Σ rows·cols, 3·p·p] of the images, each patch's values ordered channel, pixel row, pixel column,
    /// patches row by row, images one after the other.
    /// </summary>
    public static float[] PatchRows(IReadOnlyList<(double[] Pixels, int Rows, int Columns)> images)
    {
        var rows = new List<float>();
        foreach (var (pixels, patchRows, patchColumns) in images)
        {
            var height = patchRows * Patch;
            var width = patchColumns * Patch;
            for (var r = 0; r < patchRows; r++)
            {
                for (var c = 0; c < patchColumns; c++)
                {
                    for (var channel = 0; channel < 3; channel++)
                    {
                        for (var y = 0; y < Patch; y++)
                        {
                            for (var x = 0; x < Patch; x++)
                            {
                                rows.Add((float)pixels[(channel * height * width) + (((r * Patch) + y) * width) + (c * Patch) + x]);
                            }
                        }
                    }
                }
            }
        }

        return [.. rows];
    }

    private static DenseLinear Dense(double[] weight, int outFeatures, double[]? bias = null) =>
        new(Tensor(weight, [outFeatures, weight.Length / outFeatures]), bias is null ? null : Tensor(bias, [bias.Length]));

    private static QrtTensor Tensor(double[] values, long[] shape) =>
        QrtTensor.FromData<float>([.. values.Select(value => (float)value)], DType.F32, shape);
}
