using System.Text.Json.Nodes;
using NUnit.Framework;
using Qrt.Runtime.Checkpoints;
using Qrt.Runtime.Models;
using Qrt.Runtime.Synthesis;
using Qrt.Runtime.Tests.Checkpoints;

namespace Qrt.Runtime.Tests.Models;

/// <summary>
/// Loading checkpoints whose files disagree with each other: each problem is a <see cref="ModelFileException"/>
/// naming the file and the tensors or keys, and nothing else goes wrong. Also: weights stay compressed in memory.
/// </summary>
[TestFixture]
internal sealed class TextModelLoaderTests
{
    private readonly SmallCheckpoints _fixtures = new();

    [OneTimeTearDown]
    public void TearDown() => _fixtures.Dispose();

    [Test]
    public void MissingTensor_IsNamed()
    {
        var directory = _fixtures.Copy(SyntheticArchitecture.Llama, SyntheticScheme.Bf16);
        RewriteTensors(directory, tensors => tensors.Where(t => t.Name != "model.layers.1.mlp.up_proj.weight"));

        Assert.That(() => Load(directory), Throws.InstanceOf<ModelFileException>()
            .With.Message.Contains("missing").And.Message.Contains("model.layers.1.mlp.up_proj.weight"));
    }

    [Test]
    public void ExtraTensor_IsNamed()
    {
        var directory = _fixtures.Copy(SyntheticArchitecture.Qwen2, SyntheticScheme.W8A8Int8);
        RewriteTensors(directory, tensors => tensors.Append(new TestTensor("model.layers.0.mlp.surprise", "F32", [2], new byte[8])));

        Assert.That(() => Load(directory), Throws.InstanceOf<ModelFileException>()
            .With.Message.Contains("unexpected").And.Message.Contains("model.layers.0.mlp.surprise"));
    }

    [Test]
    public void ShapesThatDisagreeWithConfig_AreNamedWithBothShapes()
    {
        var directory = _fixtures.Copy(SyntheticArchitecture.Mistral, SyntheticScheme.Bf16);
        EditConfig(directory, config => config["intermediate_size"] = 96);

        Assert.That(() => Load(directory), Throws.InstanceOf<ModelFileException>()
            .With.Message.Contains("model.layers.0.mlp.gate_proj.weight").And.Message.Contains("[96, 64]").And.Message.Contains("[128, 64]"));
    }

    [Test]
    public void PackedWeightShape_ThatDisagreesWithConfig_IsNamed()
    {
        var directory = _fixtures.Copy(SyntheticArchitecture.Llama, SyntheticScheme.W4A16);
        const string name = "model.layers.0.self_attn.o_proj.weight_shape";
        RewriteTensors(directory, tensors => tensors.Select(t => t.Name == name ? t with { Data = Int32s(t.DType, 64, 63) } : t));

        Assert.That(() => Load(directory), Throws.InstanceOf<ModelFileException>()
            .With.Message.Contains(name).And.Message.Contains("[64, 63]").And.Message.Contains("[64, 64]"));
    }

    [Test]
    public void UnsupportedScheme_NamesTheLayerAndWhatIsSupported()
    {
        var directory = _fixtures.Copy(SyntheticArchitecture.Llama, SyntheticScheme.W4A16);
        EditConfig(directory, config => config["quantization_config"]!["config_groups"]!["group_0"]!["weights"]!["num_bits"] = 3);

        Assert.That(() => Load(directory), Throws.InstanceOf<ModelFileException>()
            .With.Message.Contains("config.json").And.Message.Contains("model.layers.0.self_attn.q_proj")
            .And.Message.Contains("3-bit").And.Message.Contains("supported:"));
    }

    [Test]
    public void TokenizerLargerThanTheVocabulary_IsRefused()
    {
        var directory = _fixtures.Copy(SyntheticArchitecture.Qwen2, SyntheticScheme.Bf16);
        var tokenizer = JsonNode.Parse(File.ReadAllText(Path.Combine(directory, "tokenizer.json")))!;
        var added = tokenizer["added_tokens"]!.AsArray();
        added.Add(new JsonObject { ["id"] = ModelDimensions.MinimumVocabSize, ["content"] = "<|extra|>", ["single_word"] = false, ["lstrip"] = false, ["rstrip"] = false, ["normalized"] = false, ["special"] = true });
        File.WriteAllText(Path.Combine(directory, "tokenizer.json"), tokenizer.ToJsonString());

        Assert.That(() => Load(directory), Throws.InstanceOf<ModelFileException>()
            .With.Message.Contains("vocab_size").And.Message.Contains(ModelDimensions.MinimumVocabSize.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Test]
    public void ContextLongerThanTheModelAllows_IsRefused()
    {
        var directory = _fixtures.For(SyntheticArchitecture.Llama, SyntheticScheme.Bf16);
        Assert.That(
            () => TextModelLoader.Load(directory, Device.Cpu, 1 << 30, null, CancellationToken.None),
            Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("max_position_embeddings"));
    }

    [Test]
    public void MissingConfig_IsNamed()
    {
        var directory = _fixtures.Copy(SyntheticArchitecture.Llama, SyntheticScheme.Bf16);
        File.Delete(Path.Combine(directory, "config.json"));
        Assert.That(() => Load(directory), Throws.InstanceOf<ModelFileException>().With.Message.Contains("config.json"));
    }

    [Test]
    public void PromptOfTheWholeContext_IsRefusedByTheSequence_AndTheModelStaysUsable()
    {
        using var loaded = TextModelLoader.Load(_fixtures.For(SyntheticArchitecture.Llama, SyntheticScheme.Bf16), Device.Cpu, 8, null, CancellationToken.None);
        using (var sequence = loaded.Model.StartSequence())
        {
            Assert.That(() => sequence.Append([1, 2, 3, 4, 5, 6, 7, 8, 9]), Throws.ArgumentException.With.Message.Contains("context length of 8"));
            Assert.That(() => sequence.Append([1, 400]), Throws.ArgumentException.With.Message.Contains("token id 400"));
            Assert.That(sequence.Append([1, 2, 3]), Has.Length.EqualTo(ModelDimensions.MinimumVocabSize));
        }
    }

    /// <summary>
    /// W4A16 keeps 4-bit codes: each linear layer takes out·in/2 bytes of packed words and out·in/32 BF16 scales
    /// (2 bytes each) — 0.5625 bytes per weight against BF16's 2, about 28%. Everything else (embedding, norms,
    /// lm_head) stays BF16. The in-memory size must be exactly that sum.
    /// </summary>
    [Test]
    public void W4A16_KeepsPackedWeights_AboutAQuarterOfBf16()
    {
        using var dense = TextModelLoader.Load(_fixtures.For(SyntheticArchitecture.Llama, SyntheticScheme.Bf16), Device.Cpu, null, null, CancellationToken.None);
        using var packed = TextModelLoader.Load(_fixtures.For(SyntheticArchitecture.Llama, SyntheticScheme.W4A16), Device.Cpu, null, null, CancellationToken.None);
        var config = dense.Config;
        long hidden = config.HiddenSize, inner = config.IntermediateSize, q = (long)config.AttentionHeadCount * config.HeadDim, kv = (long)config.KeyValueHeadCount * config.HeadDim;
        long[][] shapes = [[q, hidden], [kv, hidden], [kv, hidden], [hidden, q], [inner, hidden], [inner, hidden], [hidden, inner]];
        var linearWeights = config.LayerCount * shapes.Sum(shape => shape[0] * shape[1]);
        var otherBytes = 2 * ((2L * config.VocabSize * hidden) + (((2L * config.LayerCount) + 1) * hidden));

        Assert.That(dense.Summary.BytesInMemory, Is.EqualTo(otherBytes + (2 * linearWeights)));
        Assert.That(packed.Summary.BytesInMemory, Is.EqualTo(otherBytes + (linearWeights / 2) + (2 * linearWeights / 32)));
        Assert.That((double)(packed.Summary.BytesInMemory - otherBytes) / (dense.Summary.BytesInMemory - otherBytes), Is.EqualTo(0.28125).Within(1e-12));
    }

    private static LoadedTextModel Load(string directory) => TextModelLoader.Load(directory, Device.Cpu, null, null, CancellationToken.None);

    private static void RewriteTensors(string directory, Func<IEnumerable<TestTensor>, IEnumerable<TestTensor>> change)
    {
        var path = Path.Combine(directory, SafetensorsCheckpoint.SingleFileName);
        List<TestTensor> tensors;
        using (var checkpoint = SafetensorsCheckpoint.Open(directory))
        {
            tensors = [.. checkpoint.Names.Select(name =>
            {
                var entry = checkpoint.Get(name);
                return new TestTensor(name, entry.DType.FileName(), [.. entry.Shape], SafetensorsCheckpoint.Bytes(entry).ToArray());
            })];
        }

        SafetensorsTestFile.Write(path, [.. change(tensors)]);
    }

    private static void EditConfig(string directory, Action<JsonNode> change)
    {
        var path = Path.Combine(directory, "config.json");
        var config = JsonNode.Parse(File.ReadAllText(path))!;
        change(config);
        File.WriteAllText(path, config.ToJsonString());
    }

    private static byte[] Int32s(string dtype, params long[] values) => dtype == "I64"
        ? [.. values.SelectMany(BitConverter.GetBytes)]
        : [.. values.SelectMany(value => BitConverter.GetBytes((int)value))];
}
