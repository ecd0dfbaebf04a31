using Qrt.Runtime.Layers;
using Qrt.Runtime.Models.Vision;

namespace Qrt.Runtime.Tests.Models.Vision;

/// <summary>
/// A tiny Qwen2-VL tower (embed 32, 2 blocks of 2 heads × 16, MLP 64 = mlp_ratio 2, patch 2, temporal 2, merge 2)
/// and merger to a 24-wide text model, with seeded random FP32 weights held both as doubles for
/// <see cref="Qwen2VlNaive"/> and as runtime layers.
/// </summary>
internal sealed class Qwen2VlTiny
{
    public const int Embed = 32;
    public const int Depth = 2;
    public const int Heads = 2;
    public const int HeadDim = 16;
    public const int Mlp = 64;
    public const int Patch = 2;
    public const int Temporal = 2;
    public const int Merge = 2;
    public const int Hidden = 24;
    public const int PatchFeatures = 3 * Temporal * Patch * Patch;

    public Qwen2VlTiny(int seed)
    {
        var random = new Random(seed);
        // Weights ~ U(−1, 1)/√fan_in keep activations of order one; norm weights scatter around 1, biases around 0.
        // Every value is rounded to FP32 here, so the runtime and the reference multiply by the same numbers.
        double Single(double value) => (float)value;
        double[] Matrix(int rows, int columns) => [.. Enumerable.Range(0, rows * columns).Select(_ => Single(((2 * random.NextDouble()) - 1) / Math.Sqrt(columns)))];
        double[] Scale(int width) => [.. Enumerable.Range(0, width).Select(_ => Single(0.5 + random.NextDouble()))];
        double[] Bias(int width) => [.. Enumerable.Range(0, width).Select(_ => Single((random.NextDouble() - 0.5) * 0.4))];
        var merged = Embed * Merge * Merge;
        Weights = new Qwen2VlNaiveWeights
        {
            PatchEmbedding = Matrix(Embed, PatchFeatures),
            Blocks = [.. Enumerable.Range(0, Depth).Select(_ => new Qwen2VlNaiveBlock(
                Scale(Embed), Bias(Embed), Matrix(3 * Embed, Embed), Bias(3 * Embed), Matrix(Embed, Embed), Bias(Embed),
                Scale(Embed), Bias(Embed), Matrix(Mlp, Embed), Bias(Mlp), Matrix(Embed, Mlp), Bias(Embed)))],
            MergerNormWeight = Scale(Embed),
            MergerNormBias = Bias(Embed),
            MergerIn = Matrix(merged, merged),
            MergerInBias = Bias(merged),
            MergerOut = Matrix(Hidden, merged),
            MergerOutBias = Bias(Hidden),
        };
    }

    public Qwen2VlNaiveWeights Weights { get; }

    public static Qwen2VlVisionConfig Config =>
        new(Depth, Embed, Hidden, Activation.QuickGelu, Mlp, Heads, HeadDim, InChannels: 3, Patch, Merge, Temporal);

    public Qwen2VlNaive Naive(bool swapAxes = false) => new(Weights, Embed, Heads, Merge, Hidden, swapAxes);

    /// <summary>The encoder over the same weights as FP32 dense layers.</summary>
    public Qwen2VlVisionEncoder Encoder()
    {
        var blocks = Weights.Blocks.Select(block => new Qwen2VlVisionBlock(
            Norm(block.Norm1Weight, block.Norm1Bias),
            Dense(block.Qkv, 3 * Embed, block.QkvBias), Dense(block.Proj, Embed, block.ProjBias),
            Norm(block.Norm2Weight, block.Norm2Bias),
            Dense(block.Fc1, Mlp, block.Fc1Bias), Dense(block.Fc2, Embed, block.Fc2Bias),
            Activation.QuickGelu, Heads, HeadDim)).ToArray();
        var merger = new Qwen2VlPatchMerger(
            Norm(Weights.MergerNormWeight, Weights.MergerNormBias),
            Dense(Weights.MergerIn, Embed * Merge * Merge, Weights.MergerInBias),
            Dense(Weights.MergerOut, Hidden, Weights.MergerOutBias),
            Merge * Merge);
        return new Qwen2VlVisionEncoder(Config, Dense(Weights.PatchEmbedding, Embed), blocks, merger);
    }

    /// <summary>Random patch rows [count, 3·2·2·2] of normalised-pixel size (about ±2), FP32 values.</summary>
    public static double[][] Patches(int seed, int count)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => Enumerable.Range(0, PatchFeatures).Select(_ => (double)(float)((random.NextDouble() * 4) - 2)).ToArray())];
    }

    private static Qwen2VlLayerNorm Norm(double[] weight, double[] bias) => new(Tensor(weight, [weight.Length]), Tensor(bias, [bias.Length]));

    private static DenseLinear Dense(double[] weight, int outFeatures, double[]? bias = null) =>
        new(Tensor(weight, [outFeatures, weight.Length / outFeatures]), bias is null ? null : Tensor(bias, [bias.Length]));

    private static QrtTensor Tensor(double[] values, long[] shape) =>
        QrtTensor.FromData<float>([.. values.Select(value => (float)value)], DType.F32, shape);
}
