using Qrt.Runtime.Generation;
using Qrt.Runtime.Models.Configuration;

namespace Qrt.Runtime.Tests.Generation;

/// <summary>
/// The decode loop against <see cref="ScriptedLanguageModel.Alphabet" />, whose greedy continuation of a letter is
/// the rest of the alphabet and then &lt;/s&gt; (id 258): every expectation below is spelled out by hand.
/// </summary>
[TestFixture]
public sealed class TextGeneratorTests
{
    private static readonly GenerationOptions Greedy = new() { Temperature = 0 };

    [Test]
    public void Greedy_ContinuesWithTheMostLikelyTokens_AndStopsAtMaxTokens()
    {
        var fake = ScriptedLanguageModel.Alphabet();
        using var model = TestModels.Create(fake);
        var result = model.Generate("c", Greedy with { MaxTokens = 3 });
        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.PromptTokenIds, Is.EqualTo(new[] { TestTokenizer.BosId, 'c' }));
            Assert.That(result.OutputTokenIds, Is.EqualTo(new[] { 'd', 'e', 'f' }));
            Assert.That(result.Text, Is.EqualTo("def"));
            Assert.That(result.FinishReason, Is.EqualTo(FinishReason.Length));
            // One prefill of the whole prompt, then one token per step; the last sampled token is never run.
            Assert.That(fake.Appends, Is.EqualTo(new[] { new[] { TestTokenizer.BosId, 'c' }, new[] { (int)'d' }, new[] { (int)'e' } }));
            Assert.That(fake.OpenSequences, Is.Zero);
        }
    }

    [Test]
    public void EndOfSequence_StopsGeneration_AndIsReportedButNotInTheText()
    {
        using var model = TestModels.Create(ScriptedLanguageModel.Alphabet());
        var result = model.Generate("w", Greedy with { MaxTokens = 10 });
        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Text, Is.EqualTo("xyz"));
            Assert.That(result.OutputTokenIds, Is.EqualTo(new[] { 'x', 'y', 'z', TestTokenizer.EosId }));
            Assert.That(result.FinishReason, Is.EqualTo(FinishReason.EndOfSequence));
        }
    }

    [Test]
    public void EndOfSequence_IdsFromConfigAndGenerationConfig_AlsoStop()
    {
        // The model says 'c' after the prompt; config.json names 'e' (101) and generation_config.json 'g' (103) as EOS.
        using var configEos = TestModels.Create(ScriptedLanguageModel.Alphabet(), configEosIds: ['e']);
        using var generationEos = TestModels.Create(
            ScriptedLanguageModel.Alphabet(), generation: new GenerationConfig { EosTokenIds = ['g'] });
        using (Assert.EnterMultipleScope())
        {
            var first = configEos.Generate("c", Greedy with { MaxTokens = 10 });
            Assert.That((first.Text, first.FinishReason), Is.EqualTo(("d", FinishReason.EndOfSequence)));
            var second = generationEos.Generate("c", Greedy with { MaxTokens = 10 });
            Assert.That((second.Text, second.FinishReason), Is.EqualTo(("def", FinishReason.EndOfSequence)));
        }
    }

    [Test]
    public void StopString_SpanningTwoTokens_StopsAndIsCutFromTheText()
    {
        using var model = TestModels.Create(ScriptedLanguageModel.Alphabet());
        var result = model.Generate("c", Greedy with { MaxTokens = 10, StopSequences = ["fg", "zz"] });
        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Text, Is.EqualTo("de"));
            Assert.That(result.OutputTokenIds, Is.EqualTo(new[] { 'd', 'e', 'f', 'g' }));
            Assert.That(result.FinishReason, Is.EqualTo(FinishReason.StopSequence));
        }
    }

    [Test]
    public void FullContext_EndsWithLength_AfterPromptAndOutputFillIt()
    {
        // Context 6: BOS 'c' + four tokens.
        var fake = ScriptedLanguageModel.Alphabet(maxContextLength: 6);
        using var model = TestModels.Create(fake);
        var result = model.Generate("c", Greedy with { MaxTokens = 100 });
        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Text, Is.EqualTo("defg"));
            Assert.That(result.FinishReason, Is.EqualTo(FinishReason.Length));
            Assert.That(fake.Appends.Sum(a => a.Length), Is.EqualTo(5), "the last token is sampled, never appended");
        }
    }

    [Test]
    public void PromptWithoutRoomForOneToken_IsATypedErrorNamingBothLengths()
    {
        var fake = ScriptedLanguageModel.Alphabet(maxContextLength: 5);
        using var model = TestModels.Create(fake);
        var tooLong = Assert.Throws<PromptTooLongException>(() => model.Generate("cdefgh", Greedy))!;
        var exactlyFull = Assert.Throws<PromptTooLongException>(() => model.Generate("cdef", Greedy))!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That((tooLong.PromptLength, tooLong.MaxContextLength), Is.EqualTo((7, 5)));
            Assert.That(tooLong.Message, Does.Contain("7 tokens").And.Contain("holds 5"));
            Assert.That(exactlyFull.PromptLength, Is.EqualTo(5));
            Assert.That(tooLong, Is.InstanceOf<ArgumentException>());
            Assert.That(fake.Appends, Is.Empty, "nothing ran");
            // Four prompt tokens leave room for one.
            Assert.That(model.Generate("cde", Greedy).Text, Is.EqualTo("f"));
        }
    }

    [Test]
    public void Truncation_KeepsTheLastPromptTokens_LeavingRoomForMaxTokens()
    {
        // Context 5, 2 tokens wanted: of <s> c d e f g h the last 3 are kept.
        var fake = ScriptedLanguageModel.Alphabet(maxContextLength: 5);
        using var model = TestModels.Create(fake);
        var result = model.Generate("cdefgh", Greedy with { MaxTokens = 2, TruncatePrompt = true });
        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.PromptTokenIds, Is.EqualTo(new[] { 'f', 'g', 'h' }));
            Assert.That(fake.Appends[0], Is.EqualTo(new[] { 'f', 'g', 'h' }));
            Assert.That(result.Text, Is.EqualTo("ij"));
            Assert.That(result.FinishReason, Is.EqualTo(FinishReason.Length));
        }
    }

    [Test]
    public void SeededSampling_IsReproducible_AndDifferentSeedsDiffer()
    {
        // Every letter c..z equally likely whatever came before: only the seed decides.
        var uniform = new float[ScriptedLanguageModel.Vocabulary];
        Array.Fill(uniform, -1e9f);
        for (var id = 'c'; id <= 'z'; id++)
        {
            uniform[id] = 0;
        }

        using var model = TestModels.Create(new ScriptedLanguageModel(_ => uniform));
        var options = new GenerationOptions { Temperature = 1, MaxTokens = 24, Seed = 42 };
        var first = model.Generate("c", options).Text;
        var again = model.Generate("c", options).Text;
        var otherSeed = model.Generate("c", options with { Seed = 43 }).Text;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(first, Has.Length.EqualTo(24));
            Assert.That(first.Distinct().Count(), Is.GreaterThan(5), "sampled, not greedy");
            Assert.That(again, Is.EqualTo(first));
            Assert.That(otherSeed, Is.Not.EqualTo(first));
        }
    }

    [Test]
    public void SamplingDefaults_ComeFromGenerationConfig_UnlessTheCallerGivesThem()
    {
        // generation_config.json asks for top_k 1: even at temperature 1 only the most likely token remains.
        var generation = new GenerationConfig { Temperature = 1.0, TopK = 1 };
        using var model = TestModels.Create(ScriptedLanguageModel.Alphabet(), generation: generation);
        var settings = GenerationSettings.Resolve(new GenerationOptions { TopK = 5 }, generation);
        var greedyByDefault = GenerationSettings.Resolve(null, GenerationConfig.Empty);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(model.Generate("c", new GenerationOptions { MaxTokens = 4, Seed = 1 }).Text, Is.EqualTo("defg"));
            Assert.That((settings.Sampling.Temperature, settings.Sampling.TopK, settings.Sampling.TopP), Is.EqualTo((1f, 5, 1f)));
            Assert.That((greedyByDefault.Sampling.Temperature, greedyByDefault.MaxTokens), Is.EqualTo((0f, 256)));
        }
    }

    [Test]
    public async Task Streaming_PiecesConcatenateToTheText_AndCarryTheirIds()
    {
        using var model = TestModels.Create(ScriptedLanguageModel.Alphabet());
        var pieces = new List<GeneratedPiece>();
        await foreach (var piece in model.StreamAsync("w", Greedy))
        {
            pieces.Add(piece);
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(pieces.Select(p => (p.Text, string.Join(',', p.TokenIds))), Is.EqualTo(new[] { ("x", "120"), ("y", "121"), ("z", "122"), ("", "258") }));
            Assert.That(pieces.Take(3).Select(p => p.Completion), Is.All.Null);
            Assert.That(pieces[^1].Completion!.Text, Is.EqualTo(string.Concat(pieces.Select(p => p.Text))));
            Assert.That(pieces[^1].Completion!.OutputTokenIds, Is.EqualTo(pieces.SelectMany(p => p.TokenIds)));
        }
    }

    [Test]
    public async Task Streaming_NeverSplitsAUtf8Character()
    {
        // é is C3 A9 and € is E2 82 AC: their bytes arrive one token at a time.
        int[] script = [0xC3, 0xA9, 'c', 0xE2, 0x82, 0xAC, TestTokenizer.EosId];
        using var model = TestModels.Create(new ScriptedLanguageModel(tokens => ScriptedLanguageModel.Favouring(script[tokens.Count - 2])));
        var pieces = new List<GeneratedPiece>();
        await foreach (var piece in model.StreamAsync("c", Greedy))
        {
            pieces.Add(piece);
        }

        Assert.That(
            pieces.Select(p => (p.Text, string.Join(',', p.TokenIds))),
            Is.EqualTo(new[] { ("é", "195,169"), ("c", "99"), ("€", "226,130,172"), ("", "258") }));
    }

    [Test]
    public void Timings_CountTheTokens_AndAreOrdered()
    {
        using var model = TestModels.Create(ScriptedLanguageModel.Alphabet());
        var timings = model.Generate("c", Greedy with { MaxTokens = 5 }).Timings;
        using (Assert.EnterMultipleScope())
        {
            Assert.That((timings.PromptTokens, timings.OutputTokens), Is.EqualTo((2, 5)));
            Assert.That(timings.PrefillSeconds, Is.LessThanOrEqualTo(timings.TimeToFirstTokenSeconds));
            Assert.That(timings.TimeToFirstTokenSeconds, Is.LessThanOrEqualTo(timings.TotalSeconds));
        }
    }

    [Test]
    public void DecodeTokensPerSecond_CountsTokensAfterTheFirst()
    {
        var timings = new GenerationTimings(PromptTokens: 10, OutputTokens: 5, PrefillSeconds: 0.5, TimeToFirstTokenSeconds: 1, TotalSeconds: 3);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(timings.DecodeTokensPerSecond, Is.EqualTo(2.0));
            Assert.That(timings.PrefillTokensPerSecond, Is.EqualTo(20.0));
        }
    }

    [Test]
    public void BadOptions_AreRejectedBeforeAnythingRuns()
    {
        var fake = ScriptedLanguageModel.Alphabet();
        using var model = TestModels.Create(fake);
        using (Assert.EnterMultipleScope())
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => model.Generate("c", new GenerationOptions { MaxTokens = 0 }));
            Assert.Throws<ArgumentOutOfRangeException>(() => model.Generate("c", new GenerationOptions { TopP = 0 }));
            Assert.Throws<ArgumentException>(() => model.Generate("c", new GenerationOptions { StopSequences = [""] }));
            Assert.That(fake.Appends, Is.Empty);
        }
    }
}
