using System.Text.Json;
using Qrt.Runtime.Models.Configuration;
using Qrt.Runtime.Json;

namespace Qrt.Runtime.Tests.Models.Configuration;

/// <summary>config.json files written here, mirroring real hub configs, read into <see cref="TextModelConfig" />.</summary>
[TestFixture]
internal sealed class TextModelConfigTests
{
    private static TextModelConfig Read(string json) => TextModelConfig.Read("config.json", JsonDocument.Parse(json).RootElement);

    private static ModelFileException Rejects(string json) => Assert.Throws<ModelFileException>(() => Read(json))!;

    [Test]
    public void Mixtral8x22B_ReadsEveryValue()
    {
        var config = Read("""
            {"architectures": ["MixtralForCausalLM"], "model_type": "mixtral", "hidden_size": 6144, "intermediate_size": 16384,
             "num_hidden_layers": 56, "num_attention_heads": 48, "num_key_value_heads": 8, "num_local_experts": 8,
             "num_experts_per_tok": 2, "max_position_embeddings": 65536, "rms_norm_eps": 1e-05, "rope_theta": 1000000.0,
             "sliding_window": null, "vocab_size": 32768, "tie_word_embeddings": false, "hidden_act": "silu",
             "bos_token_id": 1, "eos_token_id": 2, "router_jitter_noise": 0.0, "output_router_logits": false, "torch_dtype": "bfloat16"}
            """);
        Assert.That(config.Architecture, Is.EqualTo(TextArchitecture.Mixtral));
        Assert.That((config.HiddenSize, config.IntermediateSize, config.LayerCount), Is.EqualTo((6144, 16384, 56)));
        Assert.That((config.AttentionHeadCount, config.KeyValueHeadCount, config.HeadDim), Is.EqualTo((48, 8, 128)));
        Assert.That(config.Experts, Is.EqualTo(new MixtureOfExpertsConfig(8, 2)));
        Assert.That((config.RmsNormEps, config.RopeTheta, config.SlidingWindow), Is.EqualTo((1e-5, 1e6, (int?)null)));
        Assert.That((config.BosTokenId, config.EosTokenIds), Is.EqualTo(((int?)1, new[] { 2 })));
        Assert.That(config.TorchDtype, Is.EqualTo("bfloat16"));
        Assert.That((config.QkvBias, config.OutputProjectionBias, config.MlpBias), Is.EqualTo((false, false, false)));
    }

    [Test]
    public void Mistral_AbsentKeys_TakeMistralConfigDefaults()
    {
        var config = Read("""{"architectures": ["MistralForCausalLM"], "hidden_size": 4096}""");
        Assert.That(config.KeyValueHeadCount, Is.EqualTo(8));
        Assert.That(config.RmsNormEps, Is.EqualTo(1e-6));
        Assert.That(config.RopeTheta, Is.EqualTo(10000.0));
        Assert.That(config.MaxPositionEmbeddings, Is.EqualTo(131072));
        Assert.That(config.SlidingWindow, Is.EqualTo(4096), "MistralConfig defaults sliding_window to 4096 when the key is absent");
        Assert.That(config.SlidingWindowForLayer(0), Is.EqualTo(4096));
        Assert.That(config.IntermediateSize, Is.EqualTo(14336));
        Assert.That(config.TieWordEmbeddings, Is.False);
        Assert.That(config.Experts, Is.Null);
    }

    [Test]
    public void Llama_Defaults_AndExplicitBiases_AndEosList()
    {
        var defaults = Read("""{"architectures": ["LlamaForCausalLM"], "num_attention_heads": 16, "hidden_size": 2048}""");
        Assert.That(defaults.KeyValueHeadCount, Is.EqualTo(16), "num_key_value_heads defaults to the head count");
        Assert.That((defaults.RmsNormEps, defaults.RopeTheta, defaults.MaxPositionEmbeddings), Is.EqualTo((1e-6, 10000.0, 2048)));
        Assert.That(defaults.SlidingWindow, Is.Null);
        Assert.That((defaults.QkvBias, defaults.MlpBias), Is.EqualTo((false, false)));

        var llama31 = Read("""
            {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "attention_bias": true, "mlp_bias": true,
             "tie_word_embeddings": true, "eos_token_id": [128001, 128008, 128009], "bos_token_id": 128000}
            """);
        Assert.That((llama31.QkvBias, llama31.OutputProjectionBias, llama31.MlpBias), Is.EqualTo((true, true, true)));
        Assert.That(llama31.TieWordEmbeddings, Is.True);
        Assert.That(llama31.EosTokenIds, Is.EqualTo(new[] { 128001, 128008, 128009 }));
        Assert.That(llama31.BosTokenId, Is.EqualTo(128000));
    }

    [Test]
    public void Qwen2_HasQkvBiasOnly_AndSlidingWindowOnlyWhenSwitchedOn()
    {
        var off = Read("""
            {"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "hidden_size": 3584, "num_attention_heads": 28,
             "num_key_value_heads": 4, "sliding_window": 32768, "use_sliding_window": false, "rms_norm_eps": 1e-06}
            """);
        Assert.That((off.QkvBias, off.OutputProjectionBias, off.MlpBias), Is.EqualTo((true, false, false)));
        Assert.That(off.SlidingWindow, Is.Null);
        Assert.That(off.HeadDim, Is.EqualTo(128));
        Assert.That((off.BosTokenId, off.EosTokenIds), Is.EqualTo(((int?)null, Array.Empty<int>())));

        var on = Read("""
            {"architectures": ["Qwen2ForCausalLM"], "num_hidden_layers": 4, "sliding_window": 1024, "use_sliding_window": true, "max_window_layers": 2}
            """);
        Assert.That(on.SlidingWindow, Is.EqualTo(1024));
        Assert.That(on.SlidingWindowForLayer(1), Is.Null, "layers below max_window_layers attend fully");
        Assert.That(on.SlidingWindowForLayer(2), Is.EqualTo(1024));
    }

    [Test]
    public void PixtralTextConfig_ExplicitHeadDim_IsReadFromNestedSection()
    {
        var root = JsonDocument.Parse("""
            {"architectures": ["LlavaForConditionalGeneration"], "model_type": "llava",
             "text_config": {"hidden_size": 5120, "head_dim": 128, "intermediate_size": 14336, "max_position_embeddings": 1024000,
               "model_type": "mistral", "num_hidden_layers": 40, "num_key_value_heads": 8, "rms_norm_eps": 1e-05,
               "rope_theta": 1000000000.0, "sliding_window": null, "vocab_size": 131072, "is_composition": true}}
            """).RootElement;
        var config = TextModelConfig.Read(new JsonSection("config.json", "text_config", root.GetProperty("text_config")));
        Assert.That(config.Architecture, Is.EqualTo(TextArchitecture.Mistral));
        Assert.That((config.AttentionHeadCount, config.HeadDim), Is.EqualTo((32, 128)), "5120 / 32 = 160, but head_dim says 128");
        Assert.That(config.SlidingWindow, Is.Null, "an explicit null is full attention, unlike an absent key");
        Assert.That(config.RopeTheta, Is.EqualTo(1e9));
        Assert.That(config.InverseFrequencies(), Has.Length.EqualTo(64));

        var bad = JsonDocument.Parse("""{"text_config": {"model_type": "mistral", "num_key_value_heads": 5}}""").RootElement;
        var error = Assert.Throws<ModelFileException>(() => TextModelConfig.Read(new JsonSection("config.json", "text_config", bad.GetProperty("text_config"))))!;
        Assert.That(error.Message, Does.StartWith("config.json: 'text_config.num_key_value_heads'"));
        Assert.That(error.Message, Does.Contain("must divide num_attention_heads (32); found 5"));
    }

    [Test]
    public void DefaultInverseFrequencies_AreOneOverThetaToTheTwoIOverD()
    {
        var frequencies = Read("""{"architectures": ["LlamaForCausalLM"], "hidden_size": 64, "num_attention_heads": 8}""").InverseFrequencies();

        // d = 8, theta = 10000: 1, 10000^-0.25 = 0.1, 10000^-0.5 = 0.01, 10000^-0.75 = 0.001.
        Assert.That(frequencies, Is.EqualTo(new[] { 1f, 0.1f, 0.01f, 0.001f }).Within(1e-6).Percent);
    }

    [TestCase("mrope")]
    [TestCase("default")]
    public void MultimodalRopeSections_AreRead_FromTheOldAndTheNewSpelling(string type)
    {
        var config = Read($$$"""
            {"architectures": ["Qwen2ForCausalLM"], "hidden_size": 64, "num_attention_heads": 4, "num_key_value_heads": 4, "rope_scaling": {"type": "{{{type}}}", "mrope_section": [2, 3, 3]}}
            """);
        Assert.That(config.RopeScaling.MultimodalSections, Is.EqualTo(new[] { 2, 3, 3 }));
        Assert.That(config.RopeScaling.Kind, Is.EqualTo(RopeScalingKind.Default));
    }

    [Test]
    public void LinearRopeScaling_DividesEveryFrequency()
    {
        var frequencies = Read("""
            {"architectures": ["LlamaForCausalLM"], "hidden_size": 64, "num_attention_heads": 8, "rope_scaling": {"type": "linear", "factor": 4.0}}
            """).InverseFrequencies();
        Assert.That(frequencies, Is.EqualTo(new[] { 0.25f, 0.025f, 0.0025f, 0.00025f }).Within(1e-6).Percent);
    }

    [Test]
    public void Llama3RopeScaling_MatchesTheFormulaComputedHere()
    {
        // Llama 3.1 values: theta 500000, factor 8, low 1, high 4, original 8192, head_dim 128.
        var config = Read("""
            {"architectures": ["LlamaForCausalLM"], "hidden_size": 4096, "num_attention_heads": 32, "rope_theta": 500000.0,
             "rope_scaling": {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                              "original_max_position_embeddings": 8192, "rope_type": "llama3"}}
            """);
        var actual = config.InverseFrequencies();

        Assert.That(actual, Has.Length.EqualTo(64));
        int kept = 0, divided = 0, blended = 0;
        for (var i = 0; i < 64; i++)
        {
            var baseFrequency = Math.Pow(500000.0, -2.0 * i / 128);
            var wavelength = 2 * Math.PI / baseFrequency;
            double expected;
            if (wavelength < 8192.0 / 4)
            {
                expected = baseFrequency;
                kept++;
            }
            else if (wavelength > 8192.0 / 1)
            {
                expected = baseFrequency / 8;
                divided++;
            }
            else
            {
                var smooth = ((8192 / wavelength) - 1) / (4 - 1);
                expected = ((1 - smooth) * baseFrequency / 8) + (smooth * baseFrequency);
                blended++;
            }

            Assert.That(actual[i], Is.EqualTo(expected).Within(1e-4).Percent, $"inv_freq[{i}]");
        }

        Assert.That((kept, blended, divided), Is.EqualTo((29, 6, 29)), "every branch of the formula is exercised");
    }

    [Test]
    public void RopeParameters_OfNewerTransformers_AreRead()
    {
        var config = Read("""
            {"architectures": ["LlamaForCausalLM"], "hidden_size": 64, "num_attention_heads": 8,
             "rope_parameters": {"rope_type": "linear", "factor": 2.0, "rope_theta": 100.0}}
            """);
        Assert.That(config.RopeTheta, Is.EqualTo(100.0));

        // d = 8, theta = 100: 1, 100^-0.25, 0.1, 100^-0.75, halved.
        Assert.That(config.InverseFrequencies(), Is.EqualTo(new[] { 0.5f, 0.5f / MathF.Sqrt(10), 0.05f, 0.05f / MathF.Sqrt(10) }).Within(1e-4).Percent);
    }

    [TestCase("""{"architectures": ["LlamaForCausalLM"], "rope_scaling": {"rope_type": "yarn", "factor": 4.0}}""",
        "'rope_scaling.rope_type': rope scaling \"yarn\" is not supported; supported: \"default\", \"linear\", \"llama3\", \"mrope\"")]
    [TestCase("""{"architectures": ["Qwen2ForCausalLM"], "hidden_size": 64, "num_attention_heads": 4, "num_key_value_heads": 4, "rope_scaling": {"type": "mrope"}}""",
        "'rope_scaling.mrope_section': is missing")]
    [TestCase("""{"architectures": ["Qwen2ForCausalLM"], "hidden_size": 64, "num_attention_heads": 4, "num_key_value_heads": 4, "rope_scaling": {"type": "mrope", "mrope_section": [2, 2, 2]}}""",
        "'rope_scaling': mrope_section [2, 2, 2] must add up to head_dim / 2 = 8")]
    [TestCase("""{"architectures": ["Qwen2ForCausalLM"], "hidden_size": 64, "num_attention_heads": 4, "num_key_value_heads": 4, "rope_scaling": {"type": "mrope", "mrope_section": [4, 4]}}""",
        "'rope_scaling.mrope_section': must be three positive widths")]
    [TestCase("""{"architectures": ["LlamaForCausalLM"], "rope_scaling": {"type": "dynamic", "factor": 4.0}}""",
        "'rope_scaling.type': rope scaling \"dynamic\" is not supported")]
    [TestCase("""{"architectures": ["LlamaForCausalLM"], "rope_scaling": {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0}}""",
        "'rope_scaling.original_max_position_embeddings': is missing")]
    [TestCase("""{"architectures": ["LlamaForCausalLM"], "rope_scaling": {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 4.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 8192}}""",
        "'rope_scaling.high_freq_factor': must be greater than low_freq_factor (4); found 4")]
    [TestCase("""{"architectures": ["GPT2LMHeadModel"]}""",
        "'architectures[0]': \"GPT2LMHeadModel\" is not a supported text model; supported: LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM, MixtralForCausalLM")]
    [TestCase("""{"architectures": ["MistralForCausalLM"], "model_type": "llama"}""",
        "'model_type': \"llama\" contradicts architectures[0] MistralForCausalLM, whose model_type is \"mistral\"")]
    [TestCase("""{"hidden_size": 64}""", "'architectures': is missing, and so is model_type")]
    [TestCase("""{"architectures": ["LlamaForCausalLM"], "hidden_act": "gelu"}""", "'hidden_act': activation \"gelu\" is not supported; supported: \"silu\"")]
    [TestCase("""{"architectures": ["LlamaForCausalLM"], "hidden_size": 0}""", "'hidden_size': must be a positive integer; found 0")]
    [TestCase("""{"architectures": ["LlamaForCausalLM"], "hidden_size": 100, "num_attention_heads": 8}""",
        "'hidden_size': must be a multiple of num_attention_heads (8) when head_dim is not given; found 100")]
    [TestCase("""{"architectures": ["LlamaForCausalLM"], "head_dim": 63}""", "'head_dim': gives an odd head dimension 63")]
    [TestCase("""{"architectures": ["LlamaForCausalLM"], "rms_norm_eps": -1e-5}""", "'rms_norm_eps': must be a positive number; found -1E-05")]
    [TestCase("""{"architectures": ["LlamaForCausalLM"], "vocab_size": "32000"}""", "'vocab_size': must be a 32-bit integer; found String")]
    [TestCase("""{"architectures": ["MixtralForCausalLM"], "num_local_experts": 2, "num_experts_per_tok": 3}""",
        "'num_experts_per_tok': must be at most num_local_experts (2); found 3")]
    [TestCase("""{"architectures": ["MistralForCausalLM"], "sliding_window": 0}""", "'sliding_window': must be a positive integer; found 0")]
    public void BadValues_AreRejectedNamingFileAndKey(string json, string expected)
    {
        var error = Rejects(json);
        Assert.That(error.Message, Does.StartWith("config.json: "));
        Assert.That(error.Message, Does.Contain(expected));
        Assert.That(error.FilePath, Is.EqualTo("config.json"));
    }

    [Test]
    public void Load_ReadsTheFile_AndNamesItInErrors()
    {
        var directory = Directory.CreateTempSubdirectory("qrt-config-");
        try
        {
            var path = Path.Combine(directory.FullName, "config.json");
            File.WriteAllText(path, """{"architectures": ["Qwen2ForCausalLM"], "vocab_size": 151936, "tie_word_embeddings": true}""");
            var config = TextModelConfig.Load(path);
            Assert.That((config.VocabSize, config.TieWordEmbeddings), Is.EqualTo((151936, true)));

            File.WriteAllText(path, """{"architectures": ["Qwen2ForCausalLM"], "num_hidden_layers": -2}""");
            var error = Assert.Throws<ModelFileException>(() => TextModelConfig.Load(path))!;
            Assert.That(error.Message, Is.EqualTo($"{path}: 'num_hidden_layers': must be a positive integer; found -2"));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
