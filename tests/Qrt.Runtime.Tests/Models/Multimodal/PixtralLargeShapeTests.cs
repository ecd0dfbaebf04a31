using System.Text.Json.Nodes;
using Qrt.Runtime.Models;
using Qrt.Runtime.Synthesis;
using Qrt.Runtime.Tests.Checkpoints;
using Qrt.Runtime.Tests.Models.Forward;
using Qrt.Runtime.Tests.Vision.Preprocessing;
using Qrt.Runtime.Vision;

namespace Qrt.Runtime.Tests.Models.Multimodal;

/// <summary>
/// The ways Pixtral-Large's checkpoint differs from Pixtral-12B's, taken from its config alone: vision heads of 88
/// (not a power of two), a projector without biases (<c>multimodal_projector_bias: false</c>, no linear_1/linear_2
/// bias tensors), and here also an earlier feature layer (<c>vision_feature_layer: -2</c>, so the last block is never
/// run). A tiny checkpoint of those shapes must load and give the logits of the naive pipeline.
/// </summary>
[TestFixture]
internal sealed class PixtralLargeShapeTests
{
    private const int VisionHidden = 176;
    private const int VisionHeads = 2;
    private const int VisionBlocks = 3;

    private TemporaryDirectory _directory = null!;

    [OneTimeSetUp]
    public void WriteCheckpoint()
    {
        _directory = new TemporaryDirectory();
        SyntheticCheckpoint.Write(new SyntheticCheckpointOptions
        {
            Architecture = SyntheticArchitecture.Pixtral,
            Scheme = SyntheticScheme.Bf16,
            OutputDirectory = _directory.Path,
            Seed = 7,
            Dimensions = SmallModels.Dimensions(SyntheticArchitecture.Mistral) with { Vision = new VisionDimensions(VisionHidden, VisionBlocks, VisionHeads, 256) },
        });
        var configPath = Path.Combine(_directory.Path, "config.json");
        var config = JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
        config["multimodal_projector_bias"] = false;
        config["vision_feature_layer"] = -2;
        File.WriteAllText(configPath, config.ToJsonString());
        CheckpointEdits.Resave(_directory.Path, name => name.StartsWith("multi_modal_projector.", StringComparison.Ordinal) && name.EndsWith(".bias", StringComparison.Ordinal) ? null : name);

        // As the other fixtures do, so the tower's blocks are far from the identity and a skipped or extra block shows.
        var random = new Random(7);
        for (var layer = 0; layer < VisionBlocks; layer++)
        {
            var prefix = $"vision_tower.transformer.layers.{layer}";
            CheckpointEdits.Rewrite(_directory.Path, $"{prefix}.attention_norm.weight", (_, _) => 0.5f + random.NextSingle());
            CheckpointEdits.Scale(_directory.Path, $"{prefix}.attention.q_proj.weight", 8);
            CheckpointEdits.Scale(_directory.Path, $"{prefix}.attention.k_proj.weight", 8);
            CheckpointEdits.Scale(_directory.Path, $"{prefix}.feed_forward.gate_proj.weight", 8);
        }

        CheckpointEdits.Scale(_directory.Path, "multi_modal_projector.linear_1.weight", 8);
    }

    [OneTimeTearDown]
    public void DeleteCheckpoint() => _directory.Dispose();

    [Test]
    public void Loads_WithHeadsOf88_NoProjectorBias_AndOnlyTheBlocksUpToTheFeatureLayer()
    {
        using var loaded = TextModelLoader.Load(_directory.Path, Device.Cpu, null, null, CancellationToken.None);
        var schemes = loaded.Images!.Schemes.ToDictionary(scheme => scheme.LayerKind, scheme => scheme.Count);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(schemes["vision_tower.attention.q_proj"], Is.EqualTo(VisionBlocks - 1), "feature layer -2 needs all blocks but the last");
            Assert.That(schemes["multi_modal_projector.linear_1"], Is.EqualTo(1));
        }
    }

    [Test]
    public void Prefill_WithAnImage_MatchesTheNaivePipeline()
    {
        using var loaded = TextModelLoader.Load(_directory.Path, Device.Cpu, null, null, CancellationToken.None);
        RgbImage[] images = [PreprocessingInputs.Picture(45, 30, seed: 5)];
        var prompt = loaded.Tokenizer.Encode($"Look: {loaded.Images!.Placeholder} What is it?", addSpecialTokens: false);
        using var run = new ImagePromptRun(loaded, prompt, images);

        var features = NaivePixtralImages.Load(loaded.Directory).Features(images);
        var imageId = loaded.Tokenizer.TokenToId("[IMG]")!.Value;
        var positions = Enumerable.Range(0, run.Tokens.Length).Where(i => run.Tokens[i] == imageId).ToArray();
        Assert.That(positions, Has.Length.EqualTo(features.Length), "one feature row per [IMG] token: 2 × 3 patches");
        var placed = positions.Select((position, row) => (position, row)).ToDictionary(pair => pair.position, pair => features[pair.row]);
        var expected = NaiveDecoder.Load(loaded.Directory).Run(run.Tokens, placed, null).Logits[^1];

        LogitComparison.AssertClose(run.PrefillLogits, expected, LogitComparison.ReferenceBound, "pixtral-large-shaped prefill");
    }
}
