using System.Buffers.Binary;
using System.Text.Json;
using Qrt.Runtime.Checkpoints;
using Qrt.Runtime.Json;
using Qrt.Runtime.Models.Loading;
using Qrt.Runtime.Models.Vision;
using Qrt.Runtime.Quantization.Schemes;
using Qrt.Runtime.Synthesis;
using Qrt.Runtime.Tests.Checkpoints;
using Qrt.Runtime.Tests.Models.Forward;
using Qrt.Runtime.Tests.Reference;

namespace Qrt.Runtime.Tests.Models.Vision;

/// <summary>
/// The vision plan against a BF16 checkpoint written here under the hub's tensor names: the plan accepts exactly
/// that set, and the encoder and projector built from it through the kernel layer factory match the reference
/// on the BF16 weights.
/// </summary>
[TestFixture]
internal sealed class PixtralVisionCheckpointTests
{
    // Same derivation as PixtralVisionEncoderTests.Bound: BF16 weights are exact in FP32, so only activations round.
    private const double Bound = 2e-5;

    private const string ConfigJson =
        """{"vision_feature_layer": -1, "vision_feature_select_strategy": "full", "vision_config": {"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 2, "hidden_act": "silu", "patch_size": 4, "image_size": 32, "rope_theta": 10000.0}}""";

    [Test]
    public void PlanNamesTheHubTensors_AndTheBuiltEncoderMatchesTheReference()
    {
        var weights = Bf16(new TinyPixtral(seed: 21).Weights);
        using var directory = new TemporaryDirectory();
        var tensors = HubTensors(weights);
        SafetensorsWriter.Write(
            directory.File(SafetensorsCheckpoint.SingleFileName),
            [.. tensors.Select(tensor => new SafetensorsTensorInfo(tensor.Name, SafetensorsDType.BF16, tensor.Shape))],
            info => Bf16Bytes(tensors.Single(tensor => tensor.Name == info.Name).Values));
        var root = JsonDocument.Parse(ConfigJson).RootElement;
        var config = LlavaVisionConfig.Read(new JsonSection("config.json", string.Empty, root));
        var plan = PixtralVisionPlan.Create(config, TinyPixtral.TextHidden);
        var schemes = plan.Schemes(QuantizationConfig.Read("config.json", root));
        using var checkpoint = SafetensorsCheckpoint.Open(directory.Path);

        Assert.DoesNotThrow(() => checkpoint.RequireExactly(plan.Expectations(schemes)));
        Assert.That(schemes.Values.Distinct().Single(), Is.EqualTo(DenseScheme.Instance));

        var builder = new PixtralVisionBuilder(config, plan, schemes, new CheckpointWeights(checkpoint, Device.Cpu, null, CancellationToken.None), KernelLinearFactory.Instance);
        using var encoder = builder.BuildEncoder();
        using var projector = builder.BuildProjector();
        (double[] Pixels, int Rows, int Columns)[] images = [(TinyPixtral.Pixels(31, 3, 2), 3, 2), (TinyPixtral.Pixels(32, 2, 4), 2, 4)];
        var rows = TinyPixtral.PatchRows(images);
        using var stream = new QrtStream(Device.Cpu);
        using var patches = QrtTensor.FromData<float>(rows, DType.F32, [14, 48]);
        using var features = encoder.Forward(stream, patches, [new PatchGrid(3, 2), new PatchGrid(2, 4)]);
        using var projected = projector.Forward(stream, features);

        var naive = new NaivePixtral(TinyPixtral.Hidden, TinyPixtral.Intermediate, TinyPixtral.Heads, TinyPixtral.Patch, TinyPixtral.ImageSize, TinyPixtral.Theta, weights);
        var expected = naive.Encode(images, TinyPixtral.Layers);
        Assert.Multiple(() =>
        {
            Assert.That(LogitComparison.RelativeError([.. features.ToArray<float>().Select(value => (double)value)], [.. expected.SelectMany(row => row)]), Is.LessThanOrEqualTo(Bound));
            Assert.That(
                LogitComparison.RelativeError([.. projected.ToArray<float>().Select(value => (double)value)], [.. expected.SelectMany(naive.Project)]),
                Is.LessThanOrEqualTo(Bound));
        });
    }

    [Test]
    public void PlanWithoutProjectorBias_ReportsTheBiasesAsUnexpected()
    {
        var weights = Bf16(new TinyPixtral(seed: 22).Weights);
        using var directory = new TemporaryDirectory();
        var tensors = HubTensors(weights);
        SafetensorsWriter.Write(
            directory.File(SafetensorsCheckpoint.SingleFileName),
            [.. tensors.Select(tensor => new SafetensorsTensorInfo(tensor.Name, SafetensorsDType.BF16, tensor.Shape))],
            info => Bf16Bytes(tensors.Single(tensor => tensor.Name == info.Name).Values));
        var root = JsonDocument.Parse(ConfigJson.Replace("\"vision_feature_layer\"", "\"multimodal_projector_bias\": false, \"vision_feature_layer\"", StringComparison.Ordinal)).RootElement;
        var config = LlavaVisionConfig.Read(new JsonSection("config.json", string.Empty, root));
        var plan = PixtralVisionPlan.Create(config, TinyPixtral.TextHidden);
        using var checkpoint = SafetensorsCheckpoint.Open(directory.Path);

        var error = Assert.Throws<ModelFileException>(() => checkpoint.RequireExactly(plan.Expectations(plan.Schemes(QuantizationConfig.Read("config.json", root)))));

        Assert.That(error!.Message, Does.Contain("multi_modal_projector.linear_1.bias").And.Contain("multi_modal_projector.linear_2.bias"));
    }

    /// <summary>The tensors as the hub's Llava conversion names and shapes them, written out independently of the plan.</summary>
    private static List<(string Name, long[] Shape, double[] Values)> HubTensors(NaivePixtralWeights weights)
    {
        const long h = TinyPixtral.Hidden, i = TinyPixtral.Intermediate, t = TinyPixtral.TextHidden;
        var list = new List<(string, long[], double[])>
        {
            ("vision_tower.patch_conv.weight", [h, 3, 4, 4], weights.PatchConvolution),
            ("vision_tower.ln_pre.weight", [h], weights.PreNorm),
            ("multi_modal_projector.linear_1.weight", [t, h], weights.ProjectorIn),
            ("multi_modal_projector.linear_1.bias", [t], weights.ProjectorInBias!),
            ("multi_modal_projector.linear_2.weight", [t, t], weights.ProjectorOut),
            ("multi_modal_projector.linear_2.bias", [t], weights.ProjectorOutBias!),
        };
        for (var n = 0; n < weights.Layers.Length; n++)
        {
            var layer = weights.Layers[n];
            var prefix = $"vision_tower.transformer.layers.{n}";
            list.Add(($"{prefix}.attention_norm.weight", [h], layer.AttentionNorm));
            list.Add(($"{prefix}.attention.q_proj.weight", [h, h], layer.Query));
            list.Add(($"{prefix}.attention.k_proj.weight", [h, h], layer.Key));
            list.Add(($"{prefix}.attention.v_proj.weight", [h, h], layer.Value));
            list.Add(($"{prefix}.attention.o_proj.weight", [h, h], layer.Output));
            list.Add(($"{prefix}.ffn_norm.weight", [h], layer.FfnNorm));
            list.Add(($"{prefix}.feed_forward.gate_proj.weight", [i, h], layer.Gate));
            list.Add(($"{prefix}.feed_forward.up_proj.weight", [i, h], layer.Up));
            list.Add(($"{prefix}.feed_forward.down_proj.weight", [h, i], layer.Down));
        }

        return list;
    }

    private static NaivePixtralWeights Bf16(NaivePixtralWeights weights)
    {
        static double[] Round(double[] values) => [.. values.Select(value => (double)NumberFormats.RoundToBf16((float)value))];
        static double[]? RoundOptional(double[]? values) => values is null ? null : Round(values);
        return new NaivePixtralWeights
        {
            PatchConvolution = Round(weights.PatchConvolution),
            PreNorm = Round(weights.PreNorm),
            Layers = [.. weights.Layers.Select(layer => new NaivePixtralLayer(
                Round(layer.AttentionNorm), Round(layer.Query), Round(layer.Key), Round(layer.Value), Round(layer.Output),
                Round(layer.FfnNorm), Round(layer.Gate), Round(layer.Up), Round(layer.Down)))],
            ProjectorIn = Round(weights.ProjectorIn),
            ProjectorInBias = RoundOptional(weights.ProjectorInBias),
            ProjectorOut = Round(weights.ProjectorOut),
            ProjectorOutBias = RoundOptional(weights.ProjectorOutBias),
        };
    }

    private static byte[] Bf16Bytes(double[] values)
    {
        var bytes = new byte[values.Length * 2];
        for (var k = 0; k < values.Length; k++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(k * 2), NumberFormats.FloatToBf16((float)values[k]));
        }

        return bytes;
    }
}
