using Qrt.Runtime.Checkpoints;
using Qrt.Runtime.Models;
using Qrt.Runtime.Synthesis;

namespace Qrt.Runtime.Tests.Models.Forward;

/// <summary>
/// The runtime's text forward pass (loaded with <see cref="TextModelLoader"/>, run through its paged KV cache)
/// against <see cref="NaiveDecoder"/>, an independent double-precision recomputation from transformers'
/// formulas, on tiny BF16 checkpoints of each architecture.
/// </summary>
[TestFixture]
internal sealed class DecoderForwardTests
{
    // Fixed ids inside the 320-token vocabulary, chosen without regard to the model.
    private static readonly int[] Prompt = [12, 250, 37, 301, 5, 88, 144, 199, 63, 270, 18, 222, 97, 310, 41];
    private static readonly int[] Continuation = [133, 7, 260, 58, 191, 300];

    private ForwardCheckpoints _checkpoints = null!;
    private readonly Dictionary<SyntheticArchitecture, NaiveDecoder> _naive = [];

    /// <summary>The text architectures; the vision-language ones have forward tests of their own.</summary>
    public static IEnumerable<TestCaseData> Architectures() =>
        Enum.GetValues<SyntheticArchitecture>().Where(architecture => !architecture.IsVisionLanguage()).Select(architecture => new TestCaseData(architecture).SetArgDisplayNames(architecture.ToString()));

    /// <summary>Prompt 11 + 6 steps and prompt 15 + 4 steps: both end past position 16, the first KV block.</summary>
    public static IEnumerable<TestCaseData> DecodeCases() =>
        from architecture in Enum.GetValues<SyntheticArchitecture>()
        where !architecture.IsVisionLanguage()
        from split in new[] { (Prompt: 11, Steps: 6), (Prompt: 15, Steps: 4) }
        select new TestCaseData(architecture, split.Prompt, split.Steps)
            .SetArgDisplayNames(architecture.ToString(), $"prompt {split.Prompt}", $"{split.Steps} steps");

    [OneTimeSetUp]
    public void WriteCheckpoints() => _checkpoints = new ForwardCheckpoints();

    [OneTimeTearDown]
    public void DeleteCheckpoints() => _checkpoints.Dispose();

    [TestCaseSource(nameof(Architectures))]
    public void Prefill_LastLogits_MatchNaiveDecoder(SyntheticArchitecture architecture)
    {
        var prompt = Prompt[..11];
        using var model = Load(architecture);
        using var sequence = model.Model.StartSequence();

        var actual = sequence.Append(prompt);

        var expected = Naive(architecture).Run(prompt).Logits[^1];
        LogitComparison.AssertClose(actual, expected, LogitComparison.ReferenceBound, $"{architecture} prefill of {prompt.Length}");
    }

    [TestCaseSource(nameof(DecodeCases))]
    public void Decode_EachStepsLogits_MatchNaiveDecoder(SyntheticArchitecture architecture, int promptLength, int steps)
    {
        int[] tokens = [.. Prompt[..promptLength], .. Continuation[..steps]];
        var expected = Naive(architecture).Run(tokens).Logits;
        using var model = Load(architecture);
        using var sequence = model.Model.StartSequence();

        var prefill = sequence.Append(tokens.AsSpan(0, promptLength));
        LogitComparison.AssertClose(prefill, expected[promptLength - 1], LogitComparison.ReferenceBound, $"{architecture} prefill");
        for (var position = promptLength; position < tokens.Length; position++)
        {
            var actual = sequence.Append(tokens.AsSpan(position, 1));
            Assert.That(sequence.Length, Is.EqualTo(position + 1));
            LogitComparison.AssertClose(actual, expected[position], LogitComparison.ReferenceBound, $"{architecture} decode at position {position}");
        }
    }

    [TestCaseSource(nameof(Architectures))]
    public void AppendingInPieces_GivesTheLogitsOfOneAppend(SyntheticArchitecture architecture)
    {
        var prompt = Prompt[..13];
        using var model = Load(architecture);
        using var whole = model.Model.StartSequence();
        using var pieces = model.Model.StartSequence();

        var expected = whole.Append(prompt);
        pieces.Append(prompt.AsSpan(0, 5));
        pieces.Append(prompt.AsSpan(5, 1));
        var actual = pieces.Append(prompt.AsSpan(6, 7));

        Assert.That(pieces.Length, Is.EqualTo(13));
        LogitComparison.AssertClose(actual, [.. expected.Select(value => (double)value)], LogitComparison.SummationOrderBound, $"{architecture} 5 + 1 + 7 against 13");
    }

    [TestCaseSource(nameof(Architectures))]
    public void GreedyContinuation_MatchesNaiveDecoder(SyntheticArchitecture architecture)
    {
        const int Steps = 8;
        var naive = Naive(architecture);
        using var model = Load(architecture);
        using var sequence = model.Model.StartSequence();

        var runtimeTokens = new List<int>(Prompt[..11]);
        var logits = sequence.Append(Prompt.AsSpan(0, 11));
        for (var step = 0; step < Steps; step++)
        {
            runtimeTokens.Add(LogitComparison.ArgMax(logits));
            if (step < Steps - 1)
            {
                logits = sequence.Append([runtimeTokens[^1]]);
            }
        }

        var naiveTokens = new List<int>(Prompt[..11]);
        for (var step = 0; step < Steps; step++)
        {
            naiveTokens.Add(LogitComparison.ArgMax(naive.Run(naiveTokens).Logits[^1]));
        }

        Assert.That(runtimeTokens, Is.EqualTo(naiveTokens));
    }

    [Test]
    public void Qwen2_TiedEmbeddings_HasNoLmHeadAndUsesTheEmbeddingTable()
    {
        var directory = _checkpoints.For(SyntheticArchitecture.Qwen2);
        using (var checkpoint = SafetensorsCheckpoint.Open(directory))
        {
            Assert.That(checkpoint.Contains("lm_head.weight"), Is.False);
        }

        Assert.That(Naive(SyntheticArchitecture.Qwen2).Config.TieWordEmbeddings, Is.True);
        using var model = Load(SyntheticArchitecture.Qwen2);
        using var sequence = model.Model.StartSequence();
        var actual = sequence.Append(Prompt.AsSpan(0, 11));

        Assert.That(model.Model.VocabularySize, Is.EqualTo(ModelDimensions.MinimumVocabSize));
        LogitComparison.AssertClose(actual, Naive(SyntheticArchitecture.Qwen2).Run(Prompt[..11]).Logits[^1], LogitComparison.ReferenceBound, "qwen2 tied head");
    }

    [Test]
    public void Llama_UntiedLmHead_IsReadFromItsOwnTensor()
    {
        var directory = _checkpoints.For(SyntheticArchitecture.Llama);
        using (var checkpoint = SafetensorsCheckpoint.Open(directory))
        {
            Assert.That(checkpoint.Contains("lm_head.weight"), Is.True);
        }

        Assert.That(Naive(SyntheticArchitecture.Llama).Config.TieWordEmbeddings, Is.False);
        using var model = Load(SyntheticArchitecture.Llama);
        using var sequence = model.Model.StartSequence();
        var actual = sequence.Append(Prompt.AsSpan(0, 11));

        LogitComparison.AssertClose(actual, Naive(SyntheticArchitecture.Llama).Run(Prompt[..11]).Logits[^1], LogitComparison.ReferenceBound, "llama untied head");
    }

    [Test]
    public void Mixtral_ExpertNoTokenChose_DoesNotChangeTheLogits()
    {
        var prompt = MixtralRoutingPrompt;
        var routes = Naive(SyntheticArchitecture.Mixtral).Run(prompt).Experts;
        var unused = (from layer in Enumerable.Range(0, routes.Length)
                      from expert in Enumerable.Range(0, 4)
                      where routes[layer].All(chosen => !chosen.Contains(expert))
                      select (Layer: layer, Expert: expert)).ToList();
        Assert.That(unused, Is.Not.Empty, "the prompt must leave some expert of some layer unchosen by every token");

        // NaN weights: an expert that ran, even with a routing weight of 0, would turn the logits into NaN.
        var (unusedLayer, unusedExpert) = unused[0];
        var patched = _checkpoints.Copy(SyntheticArchitecture.Mixtral, $"nan-unused-{unusedLayer}-{unusedExpert}");
        PoisonExpert(patched, unusedLayer, unusedExpert);

        var original = RuntimeLogits(_checkpoints.For(SyntheticArchitecture.Mixtral), prompt);
        var withPoison = RuntimeLogits(patched, prompt);

        Assert.That(withPoison.Select(BitConverter.SingleToInt32Bits), Is.EqualTo(original.Select(BitConverter.SingleToInt32Bits)));
    }

    [Test]
    public void Mixtral_ExpertTheLastTokenChose_DoesChangeTheLogits()
    {
        // The control of the test above: the same poisoning reaches the logits when the expert is chosen.
        var prompt = MixtralRoutingPrompt;
        var routes = Naive(SyntheticArchitecture.Mixtral).Run(prompt).Experts;
        var lastLayer = routes.Length - 1;
        var chosen = routes[lastLayer][^1][0];
        var patched = _checkpoints.Copy(SyntheticArchitecture.Mixtral, $"nan-chosen-{lastLayer}-{chosen}");
        PoisonExpert(patched, lastLayer, chosen);

        var withPoison = RuntimeLogits(patched, prompt);

        Assert.That(withPoison.All(float.IsNaN), Is.True);
    }

    /// <summary>A short prompt, so that some expert of some layer is left unchosen by all its tokens.</summary>
    private static int[] MixtralRoutingPrompt => Prompt[..3];

    private static void PoisonExpert(string directory, int layer, int expert)
    {
        foreach (var projection in new[] { "w1", "w2", "w3" })
        {
            CheckpointEdits.Rewrite(directory, $"model.layers.{layer}.block_sparse_moe.experts.{expert}.{projection}.weight", (_, _) => float.NaN);
        }
    }

    private static float[] RuntimeLogits(string directory, int[] prompt)
    {
        using var model = TextModelLoader.Load(directory, Device.Cpu, null, null, CancellationToken.None);
        using var sequence = model.Model.StartSequence();
        return sequence.Append(prompt);
    }

    private LoadedTextModel Load(SyntheticArchitecture architecture) =>
        TextModelLoader.Load(_checkpoints.For(architecture), Device.Cpu, null, null, CancellationToken.None);

    private NaiveDecoder Naive(SyntheticArchitecture architecture)
    {
        if (!_naive.TryGetValue(architecture, out var naive))
        {
            naive = NaiveDecoder.Load(_checkpoints.For(architecture));
            _naive[architecture] = naive;
        }

        return naive;
    }
}
