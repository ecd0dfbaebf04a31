using System.Text.Json;
using Qrt.Runtime.Checkpoints;
using Qrt.Runtime.Tests.Models.Reference;
using Qrt.Runtime.Tests.Models.Vision;
using Qrt.Runtime.Vision;
using Qrt.Runtime.Vision.Images;

namespace Qrt.Runtime.Tests.Models.Multimodal;

/// <summary>
/// Qwen2-VL's image side recomputed in double precision: each picture resized to
/// <see cref="ReferenceImageTokens.SmartResize"/>'s size (bicubic resize and normalisation by the runtime's image
/// code, which has reference tests of its own), cut into patch rows here the way the reference processor's
/// reshape and permute order them, then <see cref="Qwen2VlNaive"/>'s tower and merger over the checkpoint's
/// tensors read by the test's own code.
/// </summary>
internal sealed class NaiveQwen2VlImages
{
    private readonly Qwen2VlNaive _naive;
    private readonly PreprocessorConfig _preprocessor;
    private readonly int _minPixels;
    private readonly int _maxPixels;

    private NaiveQwen2VlImages(Qwen2VlNaive naive, int patch, int temporal, int merge, PreprocessorConfig preprocessor, int minPixels, int maxPixels)
    {
        _naive = naive;
        Patch = patch;
        Temporal = temporal;
        Merge = merge;
        _preprocessor = preprocessor;
        _minPixels = minPixels;
        _maxPixels = maxPixels;
    }

    public int Patch { get; }

    public int Temporal { get; }

    public int Merge { get; }

    public static NaiveQwen2VlImages Load(string directory)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(directory, "config.json")));
        var vision = document.RootElement.GetProperty("vision_config");
        int Int(string key) => vision.GetProperty(key).GetInt32();
        var depth = Int("depth");
        var embed = Int("embed_dim");

        var preprocessorPath = Path.Combine(directory, PreprocessorConfig.FileName);
        using var preprocessorDocument = JsonDocument.Parse(File.ReadAllBytes(preprocessorPath));
        var preprocessor = preprocessorDocument.RootElement;

        using var checkpoint = SafetensorsCheckpoint.Open(directory);
        double[] Tensor(string name) => CheckpointValues.Floats(checkpoint, name);
        var weights = new Qwen2VlNaiveWeights
        {
            PatchEmbedding = Tensor("visual.patch_embed.proj.weight"),
            Blocks = [.. Enumerable.Range(0, depth).Select(block =>
            {
                var prefix = $"visual.blocks.{block}";
                return new Qwen2VlNaiveBlock(
                    Tensor($"{prefix}.norm1.weight"), Tensor($"{prefix}.norm1.bias"),
                    Tensor($"{prefix}.attn.qkv.weight"), Tensor($"{prefix}.attn.qkv.bias"),
                    Tensor($"{prefix}.attn.proj.weight"), Tensor($"{prefix}.attn.proj.bias"),
                    Tensor($"{prefix}.norm2.weight"), Tensor($"{prefix}.norm2.bias"),
                    Tensor($"{prefix}.mlp.fc1.weight"), Tensor($"{prefix}.mlp.fc1.bias"),
                    Tensor($"{prefix}.mlp.fc2.weight"), Tensor($"{prefix}.mlp.fc2.bias"));
            })],
            MergerNormWeight = Tensor("visual.merger.ln_q.weight"),
            MergerNormBias = Tensor("visual.merger.ln_q.bias"),
            MergerIn = Tensor("visual.merger.mlp.0.weight"),
            MergerInBias = Tensor("visual.merger.mlp.0.bias"),
            MergerOut = Tensor("visual.merger.mlp.2.weight"),
            MergerOutBias = Tensor("visual.merger.mlp.2.bias"),
        };
        var naive = new Qwen2VlNaive(weights, embed, Int("num_heads"), Int("spatial_merge_size"), Int("hidden_size"));
        return new NaiveQwen2VlImages(
            naive, Int("patch_size"), Int("temporal_patch_size"), Int("spatial_merge_size"), PreprocessorConfig.Read(preprocessorPath),
            preprocessor.GetProperty("min_pixels").GetInt32(), preprocessor.GetProperty("max_pixels").GetInt32());
    }

    /// <summary>image_grid_thw of <paramref name="image"/>: one temporal patch, the smart-resized size in patches.</summary>
    public (int T, int H, int W) Grid(RgbImage image)
    {
        var (height, width) = ReferenceImageTokens.SmartResize(image.Height, image.Width, Patch * Merge, _minPixels, _maxPixels);
        return (1, height / Patch, width / Patch);
    }

    /// <summary>The merged feature rows of all images, image after image: one per &lt;|image_pad|&gt; token.</summary>
    public double[][] Features(IReadOnlyList<RgbImage> images)
    {
        var grids = images.Select(Grid).ToArray();
        var patches = images.SelectMany((image, i) => PatchRows(image, grids[i])).ToArray();
        return _naive.Encode(patches, grids);
    }

    /// <summary>
    /// pixel_values of one image: the normalised picture repeated to <see cref="Temporal"/> frames, viewed as
    /// (t, T, C, h/m, m, p, w/m, m, p) and permuted to (t, h/m, w/m, m, m, C, T, p, p): merge windows row-major, the
    /// patches of a window row-major, and inside a row channel, frame, pixel row, pixel column.
    /// </summary>
    private double[][] PatchRows(RgbImage image, (int T, int H, int W) grid)
    {
        var (_, gridH, gridW) = grid;
        var (width, height) = (gridW * Patch, gridH * Patch);
        var pixels = ImageNormalizer.Normalize(BicubicResizer.Resize(image, width, height), _preprocessor).Values;
        var rows = new List<double[]>();
        for (var windowRow = 0; windowRow < gridH / Merge; windowRow++)
        {
            for (var windowColumn = 0; windowColumn < gridW / Merge; windowColumn++)
            {
                for (var i = 0; i < Merge; i++)
                {
                    for (var j = 0; j < Merge; j++)
                    {
                        var (patchRow, patchColumn) = ((windowRow * Merge) + i, (windowColumn * Merge) + j);
                        var row = new List<double>();
                        for (var channel = 0; channel < 3; channel++)
                        {
                            for (var frame = 0; frame < Temporal; frame++)
                            {
                                for (var y = 0; y < Patch; y++)
                                {
                                    for (var x = 0; x < Patch; x++)
                                    {
                                        row.Add(pixels[(channel * width * height) + (((patchRow * Patch) + y) * width) + (patchColumn * Patch) + x]);
                                    }
                                }
                            }
                        }

                        rows.Add([.. row]);
                    }
                }
            }
        }

        return [.. rows];
    }
}
