using System.Text.Json;
using Qrt.Runtime.Quantization.Schemes;

namespace Qrt.Runtime.Tests.Quantization.Schemes;

/// <summary>quantization_config entries of llm-compressor and AutoFP8 recipes, resolved per linear layer.</summary>
[TestFixture]
internal sealed class QuantizationConfigTests
{
    private static QuantizationConfig Read(string quantizationConfig) =>
        QuantizationConfig.Read("config.json", JsonDocument.Parse($$"""{"quantization_config": {{quantizationConfig}}}""").RootElement);

    private static string Weights(string body) => $$"""{"num_bits": 4, "type": "int", "symmetric": true, "dynamic": false, {{body}}}""";

    private static string PackQuantized(string weights, string ignore = "[]") => $$$"""
        {"quant_method": "compressed-tensors", "format": "pack-quantized", "ignore": {{{ignore}}},
         "config_groups": {"group_0": {"targets": ["Linear"], "weights": {{{weights}}}, "input_activations": null} } }
        """;

    [Test]
    public void NoQuantizationConfig_IsDense()
    {
        var config = QuantizationConfig.Read("config.json", JsonDocument.Parse("{}").RootElement);
        Assert.That(config.Resolve("model.layers.0.self_attn.q_proj"), Is.SameAs(DenseScheme.Instance));
    }

    [Test]
    public void W4A16Group128_WithVisionIgnores()
    {
        var config = Read(PackQuantized(
            Weights("\"strategy\": \"group\", \"group_size\": 128, \"actorder\": null"),
            """["lm_head", "re:vision_tower.*", "re:multi_modal_projector.*"]"""));

        Assert.That(config.Resolve("language_model.model.layers.3.mlp.down_proj"), Is.EqualTo(new PackedIntScheme(4, 128, true, false)));
        Assert.That(config.Resolve("lm_head"), Is.SameAs(DenseScheme.Instance));
        Assert.That(config.Resolve("vision_tower.transformer.layers.0.attention.q_proj"), Is.SameAs(DenseScheme.Instance));
        Assert.That(config.Resolve("multi_modal_projector.linear_1"), Is.SameAs(DenseScheme.Instance));

        // re.match anchors at the start only: the pattern must not be found in the middle of a name.
        Assert.That(config.Resolve("model.vision_tower.proj"), Is.EqualTo(new PackedIntScheme(4, 128, true, false)));

        // An exact ignore entry is not a prefix.
        Assert.That(config.Resolve("language_model.lm_head"), Is.EqualTo(new PackedIntScheme(4, 128, true, false)));
    }

    [TestCase("\"group\"", true)]
    [TestCase("true", true)]
    [TestCase("\"dynamic\"", true)]
    [TestCase("\"weight\"", false)]
    [TestCase("\"static\"", false)]
    [TestCase("false", false)]
    public void ActOrder_GroupStoresGroupIndex(string actOrder, bool hasGroupIndex)
    {
        var config = Read(PackQuantized(Weights($$"""
            "strategy": "group", "group_size": 128, "actorder": {{actOrder}}
            """)));
        Assert.That(config.Resolve("model.layers.0.mlp.up_proj"), Is.EqualTo(new PackedIntScheme(4, 128, true, hasGroupIndex)));
    }

    [Test]
    public void Group32Asymmetric_AndW8A16Channel()
    {
        var asymmetric = Read(PackQuantized("""{"num_bits": 4, "type": "int", "symmetric": false, "strategy": "group", "group_size": 32}"""));
        Assert.That(asymmetric.Resolve("model.layers.0.mlp.up_proj"), Is.EqualTo(new PackedIntScheme(4, 32, false, false)));

        var channel = Read(PackQuantized("""{"num_bits": 8, "type": "int", "symmetric": true, "strategy": "channel"}"""));
        Assert.That(channel.Resolve("model.layers.0.mlp.up_proj"), Is.EqualTo(new PackedIntScheme(8, 0, true, false)));
    }

    private static string W8A8(string format, string weightType, string weightStrategy, string input) => $$$"""
        {"quant_method": "compressed-tensors", "format": "{{{format}}}", "ignore": ["lm_head"],
         "config_groups": {"group_0": {"targets": ["Linear"],
           "weights": {"num_bits": 8, "type": "{{{weightType}}}", "symmetric": true, "strategy": "{{{weightStrategy}}}", "dynamic": false},
           "input_activations": {{{input}}} } } }
        """;

    [Test]
    public void Int8_ChannelDynamicToken_AndStaticTensor()
    {
        var dynamic = Read(W8A8("int-quantized", "int", "channel", """{"num_bits": 8, "type": "int", "symmetric": true, "strategy": "token", "dynamic": true}"""));
        Assert.That(dynamic.Resolve("model.layers.1.self_attn.o_proj"), Is.EqualTo(new Int8Scheme(ScaleStrategy.Channel, ActivationScaling.DynamicPerToken, true)));
        Assert.That(dynamic.Resolve("lm_head"), Is.SameAs(DenseScheme.Instance));

        var staticAsym = Read(W8A8("int-quantized", "int", "tensor", """{"num_bits": 8, "type": "int", "symmetric": false, "strategy": "tensor", "dynamic": false}"""));
        Assert.That(staticAsym.Resolve("model.layers.1.self_attn.o_proj"), Is.EqualTo(new Int8Scheme(ScaleStrategy.Tensor, ActivationScaling.StaticPerTensor, false)));
    }

    [Test]
    public void Fp8_DynamicAndStatic_AndWeightOnly()
    {
        var dynamic = Read(W8A8("float-quantized", "float", "channel", """{"num_bits": 8, "type": "float", "symmetric": true, "strategy": "token", "dynamic": true}"""));
        Assert.That(dynamic.Resolve("model.layers.0.mlp.gate_proj"), Is.EqualTo(new Fp8Scheme(ScaleStrategy.Channel, ActivationScaling.DynamicPerToken)));

        var staticTensor = Read(W8A8("naive-quantized", "float", "tensor", """{"num_bits": 8, "type": "float", "symmetric": true, "strategy": "tensor", "dynamic": false}"""));
        Assert.That(staticTensor.Resolve("model.layers.0.mlp.gate_proj"), Is.EqualTo(new Fp8Scheme(ScaleStrategy.Tensor, ActivationScaling.StaticPerTensor)));

        var weightOnly = Read(W8A8("float-quantized", "float", "channel", "null"));
        Assert.That(weightOnly.Resolve("model.layers.0.mlp.gate_proj"), Is.EqualTo(new Fp8WeightOnlyScheme(ScaleStrategy.Channel)));
    }

    [Test]
    public void AutoFp8_IgnoredLayers_IncludeMixtralRouterGates()
    {
        var config = Read("""
            {"quant_method": "fp8", "activation_scheme": "static",
             "ignored_layers": ["lm_head", "model.layers.0.block_sparse_moe.gate", "model.layers.1.block_sparse_moe.gate"]}
            """);
        Assert.That(config.Resolve("model.layers.0.block_sparse_moe.gate"), Is.SameAs(DenseScheme.Instance));
        Assert.That(config.Resolve("lm_head"), Is.SameAs(DenseScheme.Instance));
        Assert.That(config.Resolve("model.layers.0.block_sparse_moe.experts.3.w1"), Is.EqualTo(new Fp8Scheme(ScaleStrategy.Tensor, ActivationScaling.StaticPerTensor)));
        Assert.That(config.Resolve("model.layers.2.block_sparse_moe.gate"), Is.EqualTo(new Fp8Scheme(ScaleStrategy.Tensor, ActivationScaling.StaticPerTensor)),
            "ignored_layers holds exact names");

        var dynamic = Read("""{"quant_method": "fp8", "activation_scheme": "dynamic"}""");
        Assert.That(dynamic.Resolve("model.layers.0.self_attn.q_proj"), Is.EqualTo(new Fp8Scheme(ScaleStrategy.Tensor, ActivationScaling.DynamicPerToken)));
    }

    [Test]
    public void Targets_ExactNameBeatsRegexBeatsClass()
    {
        var config = Read("""
            {"quant_method": "compressed-tensors", "format": "pack-quantized", "ignore": ["re:.*gate$"],
             "config_groups": {
               "by_class": {"targets": ["Linear"], "weights": {"num_bits": 4, "type": "int", "strategy": "group", "group_size": 128}},
               "by_regex": {"targets": ["re:.*down_proj"], "weights": {"num_bits": 8, "type": "int", "strategy": "channel"}},
               "by_name": {"targets": ["model.layers.0.mlp.down_proj"], "weights": {"num_bits": 4, "type": "int", "strategy": "group", "group_size": 32}}}}
            """);
        Assert.That(config.Resolve("model.layers.0.mlp.down_proj"), Is.EqualTo(new PackedIntScheme(4, 32, true, false)));
        Assert.That(config.Resolve("model.layers.1.mlp.down_proj"), Is.EqualTo(new PackedIntScheme(8, 0, true, false)));
        Assert.That(config.Resolve("model.layers.1.mlp.up_proj"), Is.EqualTo(new PackedIntScheme(4, 128, true, false)));
        Assert.That(config.Resolve("model.layers.1.block_sparse_moe.gate"), Is.SameAs(DenseScheme.Instance));
        Assert.That(config.Resolve("model.layers.1.self_attn.q_proj", moduleClass: "Embedding"), Is.SameAs(DenseScheme.Instance),
            "a module no target names and of another class stays dense");
    }

    [Test]
    public void UnsupportedScheme_NamesFileLayerSchemeAndSupported()
    {
        var config = Read("""
            {"quant_method": "compressed-tensors", "format": "pack-quantized",
             "config_groups": {"group_0": {"targets": ["Linear"], "weights": {"num_bits": 3, "type": "int", "symmetric": true, "strategy": "group", "group_size": 64}}}}
            """);
        var error = Assert.Throws<ModelFileException>(() => config.Resolve("model.layers.3.mlp.down_proj"))!;
        Assert.That(error.Message, Does.StartWith("config.json: 'quantization_config.config_groups.group_0': layer 'model.layers.3.mlp.down_proj'"));
        Assert.That(error.Message, Does.Contain("weights 3-bit int group 64, input activations none, format pack-quantized"));
        Assert.That(error.Message, Does.Contain("supported: pack-quantized int 4- or 8-bit weights"));
    }

    [TestCase("""{"num_bits": 8, "type": "int", "symmetric": true, "strategy": "token", "dynamic": false}""", "8-bit int token")]
    [TestCase("""{"num_bits": 8, "type": "int", "symmetric": false, "strategy": "token", "dynamic": true}""", "8-bit int token asymmetric dynamic")]
    [TestCase("""{"num_bits": 4, "type": "float", "symmetric": true, "strategy": "tensor", "dynamic": true}""", "4-bit float tensor dynamic")]
    public void UnsupportedInt8Activations_AreRejected(string input, string described)
    {
        var config = Read(W8A8("int-quantized", "int", "channel", input));
        var error = Assert.Throws<ModelFileException>(() => config.Resolve("model.layers.0.mlp.up_proj"))!;
        Assert.That(error.Message, Does.Contain($"input activations {described}, format int-quantized"));
    }

    [Test]
    public void FormatMismatch_AndBadMethod_AndBadRegex_AreRejected()
    {
        var wrongFormat = Read(W8A8("pack-quantized", "int", "channel", """{"num_bits": 8, "type": "int", "strategy": "token", "dynamic": true}"""));
        Assert.That(() => wrongFormat.Resolve("x"), Throws.TypeOf<ModelFileException>().With.Message.Contains("format pack-quantized"));

        Assert.That(() => Read("""{"quant_method": "gptq", "bits": 4}"""), Throws.TypeOf<ModelFileException>().With.Message
            .EqualTo("config.json: 'quantization_config.quant_method': \"gptq\" is not supported; supported: \"compressed-tensors\", \"fp8\""));
        Assert.That(() => Read(PackQuantized(Weights("\"strategy\": \"channel\""), """["re:(unclosed"]""")), Throws.TypeOf<ModelFileException>().With.Message
            .StartsWith("config.json: 'quantization_config.ignore[0]': \"re:(unclosed\" is not a valid regular expression"));
        Assert.That(() => Read("""{"quant_method": "fp8", "activation_scheme": "dynamic", "weight_block_size": [128, 128]}"""),
            Throws.TypeOf<ModelFileException>().With.Message.Contains("'quantization_config.weight_block_size': block-wise fp8"));
    }
}
