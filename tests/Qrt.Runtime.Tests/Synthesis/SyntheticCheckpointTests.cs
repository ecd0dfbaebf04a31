using System.Diagnostics;
using Qrt.Runtime.Checkpoints;
using Qrt.Runtime.Json;
using Qrt.Runtime.Models.Configuration;
using Qrt.Runtime.Quantization.Schemes;
using Qrt.Runtime.Synthesis;
using Qrt.Runtime.Text;

namespace Qrt.Runtime.Tests.Synthesis;

/// <summary>
/// Every architecture × scheme at tiny size: the checkpoint opens, holds exactly the hub's tensor names, its
/// config reads back with the intended values, every linear resolves to the intended scheme with the tensors
/// that scheme expects, and the tokenizer and chat template work.
/// </summary>
[TestFixture]
internal sealed class SyntheticCheckpointTests
{
    private static readonly string[] AttentionProjections = ["q_proj", "k_proj", "v_proj", "o_proj"];

    [TestCaseSource(typeof(SyntheticFixtures), nameof(SyntheticFixtures.AllCombinations))]
    public void TinyCheckpoint_LoadsWithTheIntendedConfigSchemeAndTensors(SyntheticArchitecture architecture, SyntheticScheme scheme)
    {
        var timer = Stopwatch.StartNew();
        var (directory, _) = SyntheticFixtures.WriteTiny(architecture, scheme);
        using var _ = directory;
        var elapsed = timer.Elapsed;

        var config = TextModelConfig.Load(directory.File("config.json"));
        var (hidden, layers, heads, kvHeads, headDim, intermediate, vocab) = (128, 2, 4, 2, architecture == SyntheticArchitecture.Mistral ? 48 : 32, 256, 512);
        var tied = architecture == SyntheticArchitecture.Qwen2;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(elapsed, Is.LessThan(TimeSpan.FromSeconds(1)), "a tiny fixture writes in under a second");
            Assert.That(config.Architecture.ToString(), Is.EqualTo(architecture.ToString()));
            Assert.That(config.HiddenSize, Is.EqualTo(hidden));
            Assert.That(config.LayerCount, Is.EqualTo(layers));
            Assert.That(config.AttentionHeadCount, Is.EqualTo(heads));
            Assert.That(config.KeyValueHeadCount, Is.EqualTo(kvHeads));
            Assert.That(config.HeadDim, Is.EqualTo(headDim));
            Assert.That(config.IntermediateSize, Is.EqualTo(intermediate));
            Assert.That(config.VocabSize, Is.EqualTo(vocab));
            Assert.That(config.TieWordEmbeddings, Is.EqualTo(tied));
            Assert.That(config.QkvBias, Is.EqualTo(architecture == SyntheticArchitecture.Qwen2));
            Assert.That(config.SlidingWindow, Is.Null);
            Assert.That(config.TorchDtype, Is.EqualTo("bfloat16"));
            Assert.That(config.Experts, architecture == SyntheticArchitecture.Mixtral ? Is.EqualTo(new MixtureOfExpertsConfig(4, 2)) : Is.Null);
        }

        using var checkpoint = SafetensorsCheckpoint.Open(directory.Path);
        var quantization = QuantizationConfig.Read(new JsonSection(directory.File("config.json"), string.Empty, JsonFile.ReadObject(directory.File("config.json"))));
        var expectedScheme = ExpectedScheme(scheme);
        var expectedNames = new SortedSet<string>(StringComparer.Ordinal)
        {
            "model.embed_tokens.weight", "model.norm.weight",
        };
        if (!tied)
        {
            expectedNames.Add("lm_head.weight");
        }

        using (Assert.EnterMultipleScope())
        {
            foreach (var (layer, outFeatures, inFeatures) in Linears(architecture, hidden, heads * headDim, kvHeads * headDim, intermediate, layers))
            {
                var resolved = quantization.Resolve(layer);
                Assert.That(resolved, Is.EqualTo(expectedScheme), layer);
                foreach (var expected in LinearTensorLayout.Expected(expectedScheme, outFeatures, inFeatures))
                {
                    var name = $"{layer}.{expected.Suffix}";
                    expectedNames.Add(name);
                    Assert.That(checkpoint.TryGet(name, out var entry), Is.True, name);
                    Assert.That(entry is not null && expected.Accepts(entry.Shape, entry.DType), Is.True, $"{name}: {entry} against {expected.Describe()}");
                }
            }

            for (var i = 0; i < layers; i++)
            {
                expectedNames.Add($"model.layers.{i}.input_layernorm.weight");
                expectedNames.Add($"model.layers.{i}.post_attention_layernorm.weight");
                if (architecture == SyntheticArchitecture.Qwen2)
                {
                    expectedNames.UnionWith(AttentionProjections[..3].Select(p => $"model.layers.{i}.self_attn.{p}.bias"));
                }

                if (architecture == SyntheticArchitecture.Mixtral)
                {
                    var router = $"model.layers.{i}.block_sparse_moe.gate";
                    expectedNames.Add($"{router}.weight");
                    Assert.That(quantization.Resolve(router), Is.EqualTo(DenseScheme.Instance), "routers stay BF16");
                    Assert.That(checkpoint.Get($"{router}.weight").ToString(), Is.EqualTo($"{router}.weight BF16 [4, 128]"));
                }
            }

            Assert.That(quantization.Resolve("lm_head"), Is.EqualTo(DenseScheme.Instance));
            Assert.That(checkpoint.Names, Is.EqualTo(expectedNames.ToList()));
            Assert.That(checkpoint.Get("model.embed_tokens.weight").ToString(), Is.EqualTo("model.embed_tokens.weight BF16 [512, 128]"));
        }

        CheckTokenizerAndTemplate(architecture, directory.Path, config);
    }

    [Test]
    public void CustomDimensions_MakeASmallerModel()
    {
        var dims = new ModelDimensions(VocabSize: 400, HiddenSize: 64, IntermediateSize: 96, LayerCount: 1, AttentionHeadCount: 2, KeyValueHeadCount: 1, HeadDim: 32, ExpertCount: 2, ExpertsPerToken: 1, GroupSize: 32);
        var (directory, summary) = SyntheticFixtures.WriteTiny(SyntheticArchitecture.Llama, SyntheticScheme.Bf16, dimensions: dims);
        using var _ = directory;
        var config = TextModelConfig.Load(directory.File("config.json"));

        // embed + lm_head 2 x 400 x 64, q/o 2 x 64 x 64, k/v 2 x 32 x 64, MLP 3 x 96 x 64, norms 3 x 64.
        var parameters = (2 * 400 * 64) + (2 * 64 * 64) + (2 * 32 * 64) + (3 * 96 * 64) + (3 * 64);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(config.LayerCount, Is.EqualTo(1));
            Assert.That(config.VocabSize, Is.EqualTo(400));
            Assert.That(Tokenizer.Load(directory.Path).VocabularySize, Is.EqualTo(400));
            Assert.That(summary.ParameterCount, Is.EqualTo(parameters));
            Assert.That(summary.TensorBytes, Is.EqualTo(2L * parameters), "BF16: two bytes a parameter");
        }
    }

    [Test]
    public void NonEmptyDirectory_IsRefusedUnlessOverwriting()
    {
        var (directory, _) = SyntheticFixtures.WriteTiny(SyntheticArchitecture.Llama, SyntheticScheme.Bf16);
        using var _ = directory;
        var options = new SyntheticCheckpointOptions { Architecture = SyntheticArchitecture.Llama, Scheme = SyntheticScheme.Fp8, OutputDirectory = directory.Path };
        Assert.That(() => SyntheticCheckpoint.Write(options), Throws.InstanceOf<IOException>().With.Message.Contains("not empty"));
        SyntheticCheckpoint.Write(options with { Overwrite = true });
        using var checkpoint = SafetensorsCheckpoint.Open(directory.Path);
        Assert.That(checkpoint.Get("model.layers.0.mlp.up_proj.weight").DType, Is.EqualTo(SafetensorsDType.F8E4M3));
    }

    private static void CheckTokenizerAndTemplate(SyntheticArchitecture architecture, string directory, TextModelConfig config)
    {
        var tokenizer = Tokenizer.Load(directory);
        var template = ChatTemplate.Load(directory);
        const string Sentence = "The model reads 12 tokens, then writes the answer: café!";
        var ids = tokenizer.Encode(Sentence, addSpecialTokens: false);
        var prompt = template.Render([ChatMessage.User("What is the capital of France?"), ChatMessage.Assistant("Paris.")], addGenerationPrompt: false);
        var generation = GenerationConfig.Load(Path.Combine(directory, "generation_config.json"));
        var (markers, stop) = architecture switch
        {
            SyntheticArchitecture.Llama => (new[] { "<|begin_of_text|>", "<|start_header_id|>user<|end_header_id|>", "<|eot_id|>" }, "<|eot_id|>"),
            SyntheticArchitecture.Qwen2 => (["<|im_start|>user\n", "<|im_end|>", "<|im_start|>assistant\n"], "<|im_end|>"),
            _ => (["<s>[INST] What is the capital of France?[/INST]", " Paris.</s>"], "</s>"),
        };
        using (Assert.EnterMultipleScope())
        {
            Assert.That(tokenizer.VocabularySize, Is.EqualTo(config.VocabSize), "every embedding row is a token");
            Assert.That(ids.Length, Is.LessThan(Sentence.Length), "merges shorten known words");
            Assert.That(tokenizer.Decode(ids), Is.EqualTo(Sentence));
            foreach (var marker in markers)
            {
                Assert.That(prompt, Does.Contain(marker));
            }

            Assert.That(prompt, Does.Contain("What is the capital of France?").And.Contain("Paris."));
            var stopId = tokenizer.TokenToId(stop);
            Assert.That(stopId, Is.Not.Null);
            Assert.That(config.EosTokenIds, Does.Contain(stopId!.Value));
            Assert.That(generation.EosTokenIds, Does.Contain(stopId.Value));
            Assert.That(tokenizer.Encode(stop, addSpecialTokens: false), Is.EqualTo(new[] { stopId.Value }), "a control token is one id");
        }
    }

    /// <summary>The scheme every quantized linear of a checkpoint written in <paramref name="scheme" /> must resolve to.</summary>
    internal static LinearScheme ExpectedScheme(SyntheticScheme scheme) => scheme switch
    {
        SyntheticScheme.Bf16 => DenseScheme.Instance,
        SyntheticScheme.W4A16 => new PackedIntScheme(4, 32, Symmetric: true, HasGroupIndex: false),
        SyntheticScheme.W4A16Asym => new PackedIntScheme(4, 32, Symmetric: false, HasGroupIndex: false),
        SyntheticScheme.W4A16ActOrder => new PackedIntScheme(4, 32, Symmetric: true, HasGroupIndex: true),
        SyntheticScheme.W8A8Int8 => new Int8Scheme(ScaleStrategy.Channel, ActivationScaling.DynamicPerToken, ActivationSymmetric: true),
        SyntheticScheme.W8A8Int8Static => new Int8Scheme(ScaleStrategy.Channel, ActivationScaling.StaticPerTensor, ActivationSymmetric: true),
        SyntheticScheme.Fp8 => new Fp8Scheme(ScaleStrategy.Channel, ActivationScaling.DynamicPerToken),
        _ => new Fp8Scheme(ScaleStrategy.Tensor, ActivationScaling.StaticPerTensor),
    };

    /// <summary>The hub's linear layer names with their [out, in] shapes.</summary>
    private static IEnumerable<(string Name, int Out, int In)> Linears(SyntheticArchitecture architecture, int hidden, int attention, int kv, int intermediate, int layers)
    {
        for (var i = 0; i < layers; i++)
        {
            var prefix = $"model.layers.{i}";
            foreach (var projection in AttentionProjections)
            {
                var shape = projection switch
                {
                    "q_proj" => (attention, hidden),
                    "o_proj" => (hidden, attention),
                    _ => (kv, hidden),
                };
                yield return ($"{prefix}.self_attn.{projection}", shape.Item1, shape.Item2);
            }

            if (architecture == SyntheticArchitecture.Mixtral)
            {
                for (var e = 0; e < 4; e++)
                {
                    yield return ($"{prefix}.block_sparse_moe.experts.{e}.w1", intermediate, hidden);
                    yield return ($"{prefix}.block_sparse_moe.experts.{e}.w2", hidden, intermediate);
                    yield return ($"{prefix}.block_sparse_moe.experts.{e}.w3", intermediate, hidden);
                }
            }
            else
            {
                yield return ($"{prefix}.mlp.gate_proj", intermediate, hidden);
                yield return ($"{prefix}.mlp.up_proj", intermediate, hidden);
                yield return ($"{prefix}.mlp.down_proj", hidden, intermediate);
            }
        }
    }
}
