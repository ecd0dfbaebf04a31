using System.Text.Json;
using Qrt.Runtime.Checkpoints;
using Qrt.Runtime.Tests.Models.Reference;
using Qrt.Runtime.Tests.Models.Vision;
using Qrt.Runtime.Vision;
using Qrt.Runtime.Vision.Images;

namespace Qrt.Runtime.Tests.Models.Multimodal;

/// <summary>
/// Pixtral's image side of a Llava checkpoint recomputed in double precision: each picture resized to the grid
/// <see cref="ReferenceImageTokens.PixtralGrid"/> gives (bicubic resize and normalisation by the runtime's image
/// code, which has reference tests of its own), then <see cref="NaivePixtral"/>'s convolution, tower and projector
/// over the checkpoint's tensors read by the test's own code, stopping at vision_feature_layer.
/// </summary>
internal sealed class NaivePixtralImages
{
    private readonly NaivePixtral _naive;
    private readonly int _blocks;
    private readonly PreprocessorConfig _preprocessor;

    private NaivePixtralImages(NaivePixtral naive, int blocks, int patch, int longestEdge, PreprocessorConfig preprocessor)
    {
        _naive = naive;
        _blocks = blocks;
        Patch = patch;
        LongestEdge = longestEdge;
        _preprocessor = preprocessor;
    }

    public int Patch { get; }

    public int LongestEdge { get; }

    public static NaivePixtralImages Load(string directory)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(directory, "config.json")));
        var root = document.RootElement;
        var vision = root.GetProperty("vision_config");
        int Int(string key) => vision.GetProperty(key).GetInt32();
        var layers = Int("num_hidden_layers");

        // vision_feature_layer indexes hidden_states = [after ln_pre, after block 1, …]: k ≥ 0 runs k blocks, −1 all.
        var featureLayer = root.GetProperty("vision_feature_layer").GetInt32();
        var blocks = featureLayer >= 0 ? featureLayer : layers + 1 + featureLayer;

        using var preprocessorDocument = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(directory, PreprocessorConfig.FileName)));
        var longestEdge = preprocessorDocument.RootElement.GetProperty("size").GetProperty("longest_edge").GetInt32();

        using var checkpoint = SafetensorsCheckpoint.Open(directory);
        double[] Tensor(string name) => CheckpointValues.Floats(checkpoint, name);
        double[]? Bias(string name) => checkpoint.Contains(name) ? Tensor(name) : null;
        var weights = new NaivePixtralWeights
        {
            PatchConvolution = Tensor("vision_tower.patch_conv.weight"),
            PreNorm = Tensor("vision_tower.ln_pre.weight"),
            Layers = [.. Enumerable.Range(0, layers).Select(layer =>
            {
                var prefix = $"vision_tower.transformer.layers.{layer}";
                return new NaivePixtralLayer(
                    Tensor($"{prefix}.attention_norm.weight"),
                    Tensor($"{prefix}.attention.q_proj.weight"),
                    Tensor($"{prefix}.attention.k_proj.weight"),
                    Tensor($"{prefix}.attention.v_proj.weight"),
                    Tensor($"{prefix}.attention.o_proj.weight"),
                    Tensor($"{prefix}.ffn_norm.weight"),
                    Tensor($"{prefix}.feed_forward.gate_proj.weight"),
                    Tensor($"{prefix}.feed_forward.up_proj.weight"),
                    Tensor($"{prefix}.feed_forward.down_proj.weight"));
            })],
            ProjectorIn = Tensor("multi_modal_projector.linear_1.weight"),
            ProjectorInBias = Bias("multi_modal_projector.linear_1.bias"),
            ProjectorOut = Tensor("multi_modal_projector.linear_2.weight"),
            ProjectorOutBias = Bias("multi_modal_projector.linear_2.bias"),
        };
        var naive = new NaivePixtral(
            Int("hidden_size"), Int("intermediate_size"), Int("num_attention_heads"), Int("patch_size"), Int("image_size"),
            vision.GetProperty("rope_theta").GetDouble(), weights);
        return new NaivePixtralImages(naive, blocks, Int("patch_size"), longestEdge, PreprocessorConfig.Read(Path.Combine(directory, PreprocessorConfig.FileName)));
    }

    /// <summary>The patch grid of <paramref name="image"/> by the reference processor's rule.</summary>
    public (int Rows, int Columns) Grid(RgbImage image) => ReferenceImageTokens.PixtralGrid(image.Width, image.Height, LongestEdge, Patch);

    /// <summary>The projected feature rows of all images, image after image, patches row-major: one per [IMG] token.</summary>
    public double[][] Features(IReadOnlyList<RgbImage> images)
    {
        var pixels = images.Select(image =>
        {
            var (rows, columns) = Grid(image);
            var resized = BicubicResizer.Resize(image, columns * Patch, rows * Patch);
            var normalized = ImageNormalizer.Normalize(resized, _preprocessor);
            return (normalized.Values.Select(value => (double)value).ToArray(), rows, columns);
        }).ToArray();
        return [.. _naive.Encode(pixels, _blocks).Select(_naive.Project)];
    }
}
