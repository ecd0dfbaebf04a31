using System.Text.Json;
using NUnit.Framework;
using Qrt.Cli.Commands;
using Qrt.Runtime.Synthesis;

namespace Qrt.Runtime.Tests.Models;

/// <summary>
/// <c>qrt generate</c> and <see cref="QrtModel"/> on real (synthetic, random-weight) checkpoints of every
/// architecture and scheme: loaded from disk, run through the chat template, the forward pass and the sampler.
/// </summary>
[TestFixture]
internal sealed class EndToEndGenerationTests
{
    private readonly SmallCheckpoints _fixtures = new();

    [OneTimeTearDown]
    public void TearDown() => _fixtures.Dispose();

    [TestCaseSource(typeof(Synthesis.SyntheticFixtures), nameof(Synthesis.SyntheticFixtures.AllCombinations))]
    public void Generate_Json_RunsTheCheckpointThroughTheChatTemplate(SyntheticArchitecture architecture, SyntheticScheme scheme)
    {
        var directory = _fixtures.For(architecture, scheme);
        using var output = new StringWriter { NewLine = "\n" };
        using var error = new StringWriter { NewLine = "\n" };

        var exitCode = GenerateCommand.Run(
            new GenerateArguments { ModelDirectory = directory, Prompt = "Tell me about the sea.", MaxTokens = 6, Temperature = 0, Json = true },
            output,
            error,
            QrtModel.Load,
            CancellationToken.None);

        Assert.That(exitCode, Is.Zero, error.ToString());
        using var document = JsonDocument.Parse(output.ToString());
        var root = document.RootElement;
        var outputIds = root.GetProperty("output_token_ids").EnumerateArray().Select(id => id.GetInt32()).ToArray();
        var finish = root.GetProperty("finish_reason").GetString();
        using var model = QrtModel.Load(directory);
        var promptIds = root.GetProperty("prompt_token_ids").EnumerateArray().Select(id => id.GetInt32()).ToArray();
        using (Assert.EnterMultipleScope())
        {
            // The chat template wraps the prompt in the architecture's markers, encoded as single special tokens.
            Assert.That(promptIds, Has.Length.GreaterThan(model.Tokenizer.Encode("Tell me about the sea.", addSpecialTokens: false).Length));
            Assert.That(promptIds.Any(model.Tokenizer.IsSpecial), Is.True, "the template's markers are special tokens");
            Assert.That(outputIds, Is.Not.Empty.And.All.InRange(0, model.Tokenizer.VocabularySize - 1));
            Assert.That(finish is "length" ? outputIds.Length == 6 : finish is "end_of_sequence", Is.True, $"{finish} after {outputIds.Length} tokens");
        }
    }

    [TestCase(false, 1, TestName = "Generate_PromptLongerThanTheContext_IsOneLineAndExitCode1")]
    [TestCase(true, 0, TestName = "Generate_TruncatePrompt_KeepsTheLastTokens")]
    public void Generate_PromptLongerThanTheContext(bool truncate, int expectedExitCode)
    {
        var directory = _fixtures.For(SyntheticArchitecture.Mistral, SyntheticScheme.W4A16Asym);
        using var output = new StringWriter { NewLine = "\n" };
        using var error = new StringWriter { NewLine = "\n" };
        var prompt = string.Concat(Enumerable.Repeat("the sea and the sky ", 40));

        var exitCode = GenerateCommand.Run(
            new GenerateArguments
            {
                ModelDirectory = directory, Prompt = prompt, Raw = true, MaxContext = 32, MaxTokens = 4, Temperature = 0,
                TruncatePrompt = truncate, IgnoreEndOfSequence = true, Json = true,
            },
            output,
            error,
            QrtModel.Load,
            CancellationToken.None);

        Assert.That(exitCode, Is.EqualTo(expectedExitCode), error.ToString());
        if (truncate)
        {
            using var document = JsonDocument.Parse(output.ToString());
            using var model = QrtModel.Load(directory);
            var all = model.Tokenizer.Encode(prompt);
            var kept = document.RootElement.GetProperty("prompt_token_ids").EnumerateArray().Select(id => id.GetInt32()).ToArray();
            // Room for the 4 requested tokens: the last 32 - 4 prompt tokens are kept.
            Assert.That(kept, Is.EqualTo(all[^28..]));
            Assert.That(document.RootElement.GetProperty("output_token_ids").GetArrayLength(), Is.EqualTo(4));
        }
        else
        {
            Assert.That(error.ToString(), Does.Contain("context holds 32").And.Not.Contain("   at "));
            Assert.That(error.ToString().TrimEnd().Split('\n'), Has.Length.EqualTo(1));
        }
    }

    [Test]
    public void SeededSampling_IsReproducible_AndTheSeedMatters()
    {
        using var model = QrtModel.Load(_fixtures.For(SyntheticArchitecture.Llama, SyntheticScheme.W4A16));
        GenerationOptions Options(ulong seed) => new() { MaxTokens = 12, Temperature = 1.5f, TopK = 50, TopP = 0.95f, Seed = seed, IgnoreEndOfSequence = true };

        var first = model.Generate("Once upon a time", Options(7)).OutputTokenIds;
        var again = model.Generate("Once upon a time", Options(7)).OutputTokenIds;
        var other = model.Generate("Once upon a time", Options(8)).OutputTokenIds;

        Assert.That(again, Is.EqualTo(first));
        Assert.That(other, Is.Not.EqualTo(first));
    }

    [Test]
    public async Task Cancellation_MidStream_LeavesTheModelUsable()
    {
        using var model = QrtModel.Load(_fixtures.For(SyntheticArchitecture.Mixtral, SyntheticScheme.W8A8Int8));
        var options = new GenerationOptions { MaxTokens = 10, Temperature = 0, IgnoreEndOfSequence = true };
        var fresh = model.Generate("A long story", options).OutputTokenIds;

        using var cancellation = new CancellationTokenSource();
        var pieces = 0;
        Assert.That(
            async () =>
            {
                await foreach (var _ in model.StreamAsync("A long story", options, cancellation.Token))
                {
                    if (++pieces == 3)
                    {
                        await cancellation.CancelAsync();
                    }
                }
            },
            Throws.InstanceOf<OperationCanceledException>());

        var after = (await model.GenerateAsync("A long story", options)).OutputTokenIds;
        Assert.That(after, Is.EqualTo(fresh));
    }

    [Test]
    public void MaxTokens_AndIgnoredEndOfSequence_GiveExactlyThatManyTokens()
    {
        using var model = QrtModel.Load(_fixtures.For(SyntheticArchitecture.Qwen2, SyntheticScheme.Fp8));
        var result = model.Generate("Hi", new GenerationOptions { MaxTokens = 9, Temperature = 0, IgnoreEndOfSequence = true });
        Assert.That(result.OutputTokenIds, Has.Count.EqualTo(9));
        Assert.That(result.FinishReason, Is.EqualTo(FinishReason.Length));
    }
}
