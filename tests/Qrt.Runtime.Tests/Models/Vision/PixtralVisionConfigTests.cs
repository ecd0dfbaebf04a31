using System.Text.Json;
using Qrt.Runtime.Json;
using Qrt.Runtime.Models.Vision;

namespace Qrt.Runtime.Tests.Models.Vision;

/// <summary>vision_config and the Llava keys read with transformers' defaults, and the files Qrt refuses.</summary>
[TestFixture]
internal sealed class PixtralVisionConfigTests
{
    // Pixtral-12B's vision_config after the hidden_act fix: everything else comes from the class defaults.
    private const string Pixtral12B =
        """{"head_dim": 64, "hidden_act": "silu", "image_size": 1024, "model_type": "pixtral", "patch_size": 16, "rope_theta": 10000.0}""";

    [Test]
    public void Pixtral12B_TakesTheClassDefaultsForAbsentKeys()
    {
        var config = PixtralVisionConfig.Read(Section(Pixtral12B));

        Assert.That(config, Is.EqualTo(new PixtralVisionConfig(1024, 4096, 24, 16, 64, 16, 1024, 10000.0)));
        Assert.That((config.MaxPatchesPerSide, config.PatchFeatures), Is.EqualTo((64, 768)));
    }

    [Test]
    public void PixtralLarge_ReadsHeadDim88()
    {
        var config = PixtralVisionConfig.Read(Section(
            """{"hidden_size": 1408, "intermediate_size": 6144, "num_hidden_layers": 40, "num_attention_heads": 16, "head_dim": 88, "hidden_act": "silu", "patch_size": 16, "image_size": 1024, "rope_theta": 10000.0}"""));

        Assert.That(config, Is.EqualTo(new PixtralVisionConfig(1408, 6144, 40, 16, 88, 16, 1024, 10000.0)));
    }

    [Test]
    public void RopeThetaInRopeParameters_IsRead()
    {
        var config = PixtralVisionConfig.Read(Section("""{"hidden_act": "silu", "rope_parameters": {"rope_type": "default", "rope_theta": 500.0}}"""));

        Assert.That(config.RopeTheta, Is.EqualTo(500.0));
    }

    [TestCase("""{"hidden_act": "gelu"}""", "found \"gelu\"")]
    [TestCase("""{"patch_size": 16}""", "absent (the transformers default is \"gelu\")")]
    public void AnythingButSilu_IsRefused_NamingTheWrongCopies(string json, string found)
    {
        var error = Assert.Throws<ModelFileException>(() => PixtralVisionConfig.Read(Section(json)));

        Assert.That(error!.Message, Does.Contain("config.json").And.Contain("vision_config.hidden_act").And.Contain(found).And.Contain("conversions"));
    }

    [TestCase("""{"hidden_act": "silu", "hidden_size": 1024, "head_dim": 128}""", "vision_config.head_dim", "must equal hidden_size / num_attention_heads = 64; found 128")]
    [TestCase("""{"hidden_act": "silu", "hidden_size": 1000, "num_attention_heads": 16}""", "vision_config.num_attention_heads", "must divide hidden_size (1000)")]
    [TestCase("""{"hidden_act": "silu", "num_channels": 1}""", "vision_config.num_channels", "must be 3")]
    [TestCase("""{"hidden_act": "silu", "model_type": "clip_vision_model"}""", "vision_config.model_type", "\"clip_vision_model\"")]
    [TestCase("""{"hidden_act": "silu", "patch_size": 0}""", "vision_config.patch_size", "positive")]
    public void InconsistentShapes_AreRefused(string json, string key, string problem)
    {
        var error = Assert.Throws<ModelFileException>(() => PixtralVisionConfig.Read(Section(json)));

        Assert.That(error!.Message, Does.Contain(key).And.Contain(problem));
    }

    [Test]
    public void Llava_ReadsBiasAndFeatureLayer()
    {
        var config = LlavaVisionConfig.Read(Root(
            $$"""{"vision_feature_layer": -2, "vision_feature_select_strategy": "full", "multimodal_projector_bias": false, "vision_config": {{Pixtral12B}}}"""));

        Assert.That((config.FeatureLayer, config.FeatureLayerBlocks, config.ProjectorBias), Is.EqualTo((-2, 23, false)));
    }

    [Test]
    public void Llava_DefaultsToTheLastLayerWithBias()
    {
        var config = LlavaVisionConfig.Read(Root($$"""{"vision_feature_select_strategy": "full", "vision_config": {{Pixtral12B}}}"""));

        Assert.That((config.FeatureLayer, config.FeatureLayerBlocks, config.ProjectorBias), Is.EqualTo((-1, 24, true)));
    }

    [TestCase("""{"vision_config": V}""", "vision_feature_select_strategy", "(the LlavaConfig default)")]
    [TestCase("""{"vision_feature_select_strategy": "full", "vision_feature_layer": [-1, -2], "vision_config": V}""", "vision_feature_layer", "several")]
    [TestCase("""{"vision_feature_select_strategy": "full", "vision_feature_layer": 25, "vision_config": V}""", "vision_feature_layer", "-25 to 24); found 25")]
    [TestCase("""{"vision_feature_select_strategy": "full", "projector_hidden_act": "gelu_new", "vision_config": V}""", "projector_hidden_act", "\"gelu_new\"")]
    [TestCase("""{"vision_feature_select_strategy": "full"}""", "vision_config", "is missing")]
    public void Llava_RefusesWhatItCannotRun(string json, string key, string problem)
    {
        var error = Assert.Throws<ModelFileException>(() => LlavaVisionConfig.Read(Root(json.Replace("V", Pixtral12B, StringComparison.Ordinal))));

        Assert.That(error!.Message, Does.Contain($"'{key}'").And.Contain(problem));
    }

    private static JsonSection Section(string visionJson) => Root($$"""{"vision_config": {{visionJson}}}""").Property("vision_config");

    private static JsonSection Root(string json) => new("config.json", string.Empty, JsonDocument.Parse(json).RootElement);
}
