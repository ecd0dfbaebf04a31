using System.Text.Json;
using Qrt.Runtime.Checkpoints;
using Qrt.Runtime.Json;
using Qrt.Runtime.Models.Architectures;
using Qrt.Runtime.Models.Vision;
using Qrt.Runtime.Quantization.Schemes;

namespace Qrt.Runtime.Tests.Models.Vision;

/// <summary>The Qwen2-VL vision plan names the hub tensors with their hub shapes.</summary>
[TestFixture]
internal sealed class Qwen2VlVisionPlanTests
{
    [Test]
    public void Qwen2Vl7B_PlansEveryHubTensor_WithItsShape()
    {
        var config = Qwen2VlVisionConfig.Read(new JsonSection("config.json", string.Empty, JsonDocument.Parse("{}").RootElement));
        var plan = Qwen2VlVisionPlan.Create(config);
        var schemes = plan.Schemes(QuantizationConfig.Read("config.json", JsonDocument.Parse("{}").RootElement));

        var expected = plan.Expectations(schemes);

        // 1 patch embedding + 32 blocks × (4 norm tensors + 4 linears × (weight, bias)) + ln_q (2) + 2 linears × 2.
        Assert.That(expected, Has.Count.EqualTo(1 + (32 * 12) + 2 + 4));
        Assert.Multiple(() =>
        {
            AssertShape(expected, "visual.patch_embed.proj.weight", 1280, 3, 2, 14, 14);
            AssertShape(expected, "visual.blocks.0.norm1.weight", 1280);
            AssertShape(expected, "visual.blocks.31.norm2.bias", 1280);
            AssertShape(expected, "visual.blocks.5.attn.qkv.weight", 3840, 1280);
            AssertShape(expected, "visual.blocks.5.attn.qkv.bias", 3840);
            AssertShape(expected, "visual.blocks.5.attn.proj.weight", 1280, 1280);
            AssertShape(expected, "visual.blocks.5.mlp.fc1.weight", 5120, 1280);
            AssertShape(expected, "visual.blocks.5.mlp.fc2.weight", 1280, 5120);
            AssertShape(expected, "visual.blocks.5.mlp.fc2.bias", 1280);
            AssertShape(expected, "visual.merger.ln_q.weight", 1280);
            AssertShape(expected, "visual.merger.ln_q.bias", 1280);
            AssertShape(expected, "visual.merger.mlp.0.weight", 5120, 5120);
            AssertShape(expected, "visual.merger.mlp.0.bias", 5120);
            AssertShape(expected, "visual.merger.mlp.2.weight", 3584, 5120);
            AssertShape(expected, "visual.merger.mlp.2.bias", 3584);
            Assert.That(schemes.Values.Distinct().Single(), Is.EqualTo(DenseScheme.Instance));
        });
    }

    [Test]
    public void NewerFiles_PutTheTowerUnderModelVisual()
    {
        var plan = Qwen2VlVisionPlan.Create(Qwen2VlTiny.Config, "model.visual");

        Assert.Multiple(() =>
        {
            Assert.That(plan.PatchEmbedding.Name, Is.EqualTo("model.visual.patch_embed.proj.weight"));
            Assert.That(plan.PatchEmbedding.Shape, Is.EqualTo(new long[] { 32, 3, 2, 2, 2 }));
            Assert.That(plan.Blocks[1].Qkv.Name, Is.EqualTo("model.visual.blocks.1.attn.qkv"));
            Assert.That(plan.MergerOut, Is.EqualTo(new PlannedLinear("model.visual.merger.mlp.2", "visual.merger.mlp.2", 24, 128, true)));
        });
    }

    private static void AssertShape(Dictionary<string, TensorExpectation> expected, string name, params long[] shape)
    {
        Assert.That(expected.ContainsKey(name), Is.True, name);
        Assert.That(expected[name].Shapes.Single(), Is.EqualTo(shape), name);
    }
}
