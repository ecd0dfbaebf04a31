using System.Text.Json;
using Qrt.Runtime.Json;
using Qrt.Runtime.Models.Vision;

namespace Qrt.Runtime.Tests.Models.Vision;

/// <summary>Qwen2-VL's vision_config read with transformers' Qwen2VLVisionConfig defaults, and the files Qrt refuses.</summary>
[TestFixture]
internal sealed class Qwen2VlVisionConfigTests
{
    // Qwen2-VL-7B-Instruct's vision_config: only the original code's names; every shape comes from the class defaults.
    private const string Qwen2Vl7B = """{"in_chans": 3, "model_type": "qwen2_vl", "spatial_patch_size": 14}""";

    [Test]
    public void Qwen2Vl7B_TakesTheClassDefaultsForAbsentKeys()
    {
        var config = Qwen2VlVisionConfig.Read(Section(Qwen2Vl7B));

        Assert.That(config, Is.EqualTo(new Qwen2VlVisionConfig(32, 1280, 3584, Activation.QuickGelu, 5120, 16, 80, 3, 14, 2, 2)));
        Assert.That(
            (config.PatchFeatures, config.MergeUnit, config.MergedFeatures, config.RotaryHalf),
            Is.EqualTo((3 * 2 * 14 * 14, 4, 5120, 40)));
    }

    [Test]
    public void Qwen2Vl2B_ReadsTheMergerWidth()
    {
        var config = Qwen2VlVisionConfig.Read(Section("""{"hidden_size": 1536, "in_chans": 3, "model_type": "qwen2_vl", "spatial_patch_size": 14}"""));

        Assert.That((config.HiddenSize, config.EmbedDim), Is.EqualTo((1536, 1280)));
    }

    [Test]
    public void ExplicitShapes_AreRead()
    {
        var config = Qwen2VlVisionConfig.Read(Section(
            """{"depth": 2, "embed_dim": 32, "hidden_size": 24, "hidden_act": "gelu", "mlp_ratio": 2.5, "num_heads": 2, "in_channels": 3, "patch_size": 2, "spatial_merge_size": 2, "temporal_patch_size": 1}"""));

        Assert.That(config, Is.EqualTo(new Qwen2VlVisionConfig(2, 32, 24, Activation.Gelu, 80, 2, 16, 3, 2, 2, 1)));
    }

    [TestCase("""{"embed_dim": 1280, "num_heads": 12}""", "vision_config.num_heads", "must divide embed_dim (1280); found 12")]
    [TestCase("""{"embed_dim": 24, "num_heads": 4}""", "vision_config.num_heads", "divisible by 4")]
    [TestCase("""{"hidden_act": "relu"}""", "vision_config.hidden_act", "found \"relu\"")]
    [TestCase("""{"model_type": "qwen2_5_vl"}""", "vision_config.model_type", "\"qwen2_5_vl\"")]
    [TestCase("""{"in_chans": 1}""", "vision_config.in_chans", "must equal in_channels (3); found 1")]
    [TestCase("""{"spatial_patch_size": 16}""", "vision_config.spatial_patch_size", "must equal patch_size (14); found 16")]
    [TestCase("""{"depth": 0}""", "vision_config.depth", "positive")]
    [TestCase("""{"mlp_ratio": 0}""", "vision_config.mlp_ratio", "positive MLP width")]
    [TestCase("""{"spatial_merge_size": "2"}""", "vision_config.spatial_merge_size", "integer")]
    public void BadValues_AreRefused_NamingTheKey(string json, string key, string problem)
    {
        var error = Assert.Throws<ModelFileException>(() => Qwen2VlVisionConfig.Read(Section(json)));

        Assert.That(error!.Message, Does.Contain("config.json").And.Contain(key).And.Contain(problem));
    }

    private static JsonSection Section(string visionJson) =>
        new JsonSection("config.json", string.Empty, JsonDocument.Parse($$"""{"vision_config": {{visionJson}}}""").RootElement).Property("vision_config");
}
