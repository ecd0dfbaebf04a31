using System.Text.Json.Nodes;
using NUnit.Framework;
using Qrt.Runtime.Checkpoints;
using Qrt.Runtime.Models;
using Qrt.Runtime.Models.Decoder;
using Qrt.Runtime.Synthesis;
using Qrt.Runtime.Tests.Models.Reference;

namespace Qrt.Runtime.Tests.Models.Decoder;

/// <summary>
/// The inputs vision-language models add to a decoder step: rows replacing token embeddings (image features) and
/// M-RoPE positions with Qwen2-VL's rope delta.
/// </summary>
[TestFixture]
internal sealed class DecoderInputTests
{
    private static readonly int[] Prompt = [5, 77, 301, 12, 260, 9, 144];

    private readonly SmallCheckpoints _fixtures = new();

    [OneTimeTearDown]
    public void TearDown() => _fixtures.Dispose();

    [Test]
    public void ReplacedEmbeddings_ActExactlyLikeTheTokensTheyCameFrom()
    {
        var directory = _fixtures.For(SyntheticArchitecture.Llama, SyntheticScheme.Bf16);
        using var loaded = Load(directory);
        using var checkpoint = SafetensorsCheckpoint.Open(directory);
        var table = CheckpointValues.Floats(checkpoint, "model.embed_tokens.weight");
        var hidden = loaded.Config.HiddenSize;
        // Positions 2 and 5 get the embeddings of tokens 33 and 44 while their ids stay placeholders (0).
        var rows = table.Skip(33 * hidden).Take(hidden).Concat(table.Skip(44 * hidden).Take(hidden)).Select(v => (float)v).ToArray();
        int[] placeholders = [.. Prompt];
        placeholders[2] = 0;
        placeholders[5] = 0;
        int[] real = [.. Prompt];
        real[2] = 33;
        real[5] = 44;

        using var replaced = (DecoderSequence)loaded.Model.StartSequence();
        using var plain = loaded.Model.StartSequence();
        var withRows = replaced.Append(new DecoderInput(placeholders) { Embeddings = rows, EmbeddingPositions = [2, 5] });
        var withIds = plain.Append(real);

        // The embedding op widens BF16 exactly, so the same FP32 rows flow through the same kernels.
        Assert.That(withRows, Is.EqualTo(withIds));
    }

    [Test]
    public void MultimodalRotary_WithTextPositions_MatchesTheOneDimensionalModel()
    {
        var plainDirectory = _fixtures.For(SyntheticArchitecture.Qwen2, SyntheticScheme.Bf16);
        var multimodalDirectory = MultimodalCopy();
        using var plainModel = Load(plainDirectory);
        using var multimodalModel = Load(multimodalDirectory);
        using var plain = plainModel.Model.StartSequence();
        using var multimodal = multimodalModel.Model.StartSequence();

        var expected = plain.Append(Prompt);
        var actual = multimodal.Append(Prompt);

        // Both rotate by the same angles; the M-RoPE tables take cos/sin from .NET and the 1-D op from libm, each
        // within an ulp or two of the true value, so logits agree to FP32 rounding (2·10⁻⁵ of the largest logit,
        // the bound the forward-pass tests derive).
        var scale = expected.Max(Math.Abs);
        Assert.That(actual.Zip(expected, (a, e) => Math.Abs(a - e)).Max(), Is.LessThanOrEqualTo(2e-5 * scale));
    }

    [Test]
    public void ExplicitPositions_SetTheRopeDeltaThatLaterTextTokensFollow()
    {
        using var model = Load(MultimodalCopy());
        // An "image" of 4 tokens on a 2x2 grid after 3 text tokens: positions as get_rope_index gives them.
        int[] tokens = [5, 77, 301, 12, 12, 12, 12, 9];
        int[][] positions = [[0, 1, 2, 3, 3, 3, 3, 5], [0, 1, 2, 3, 3, 4, 4, 5], [0, 1, 2, 3, 4, 3, 4, 5]];
        using var first = (DecoderSequence)model.Model.StartSequence();
        using var second = (DecoderSequence)model.Model.StartSequence();

        first.Append(new DecoderInput(tokens) { RotaryPositions = positions });
        var next = first.Append([144]);
        second.Append(new DecoderInput(tokens) { RotaryPositions = positions });
        var explicitNext = second.Append(new DecoderInput([144]) { RotaryPositions = [[6], [6], [6]] });

        Assert.That(first.RopeDelta, Is.EqualTo(6 - 8));
        Assert.That(next, Is.EqualTo(explicitNext));
    }

    [Test]
    public void BadInputs_AreRefused_AndTheSequenceStaysUsable()
    {
        using var model = Load(_fixtures.For(SyntheticArchitecture.Llama, SyntheticScheme.Bf16));
        using var sequence = (DecoderSequence)model.Model.StartSequence();
        var hidden = model.Config.HiddenSize;

        Assert.That(() => sequence.Append(new DecoderInput([1, 2]) { Embeddings = new float[hidden + 1], EmbeddingPositions = [0] }),
            Throws.ArgumentException.With.Message.Contains("replacement rows"));
        Assert.That(() => sequence.Append(new DecoderInput([1, 2]) { Embeddings = new float[hidden], EmbeddingPositions = [2] }),
            Throws.ArgumentException.With.Message.Contains("[0, 2)"));
        Assert.That(() => sequence.Append(new DecoderInput([1]) { RotaryPositions = [[0], [0], [0]] }),
            Throws.ArgumentException.With.Message.Contains("mrope_section"));
        Assert.That(sequence.Append([1, 2]), Has.Length.EqualTo(ModelDimensions.MinimumVocabSize));
    }

    private static LoadedTextModel Load(string directory) => TextModelLoader.Load(directory, Device.Cpu, null, null, CancellationToken.None);

    /// <summary>The Qwen2 checkpoint with an mrope_section over its head_dim / 2 = 8 frequencies.</summary>
    private string MultimodalCopy()
    {
        var directory = _fixtures.Copy(SyntheticArchitecture.Qwen2, SyntheticScheme.Bf16);
        var path = Path.Combine(directory, "config.json");
        var config = JsonNode.Parse(File.ReadAllText(path))!;
        config["rope_scaling"] = new JsonObject { ["type"] = "mrope", ["mrope_section"] = new JsonArray(2, 3, 3) };
        File.WriteAllText(path, config.ToJsonString());
        return directory;
    }
}
