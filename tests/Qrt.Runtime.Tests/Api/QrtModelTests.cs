using Qrt.Runtime.Tests.Generation;
using Qrt.Runtime.Text;

namespace Qrt.Runtime.Tests.Api;

/// <summary><see cref="QrtModel" />: chat through the template, cancellation that leaves the model usable, serialised requests.</summary>
[TestFixture]
public sealed class QrtModelTests
{
    private static readonly GenerationOptions Greedy = new() { Temperature = 0 };

    [Test]
    public void Chat_RendersTheTemplate_AndEncodesWithoutASecondBos()
    {
        using var model = TestModels.Create(ScriptedLanguageModel.Alphabet(), TestModels.Template);
        var result = model.Chat([ChatMessage.System("be brief"), ChatMessage.User("hi")], Greedy with { MaxTokens = 3 });
        int[] expectedPrompt = [TestTokenizer.BosId, .. TestTokenizer.Bytes("[system]be brief[user]hi[assistant]")];
        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.PromptTokenIds, Is.EqualTo(expectedPrompt));
            Assert.That(result.PromptTokenIds.Count(id => id == TestTokenizer.BosId), Is.EqualTo(1));
            Assert.That(result.Text, Is.EqualTo("cde"));
        }
    }

    [Test]
    public void Chat_WithoutATemplate_IsAClearInvalidOperation()
    {
        using var model = TestModels.Create(ScriptedLanguageModel.Alphabet());
        var error = Assert.Throws<InvalidOperationException>(() => model.Chat([ChatMessage.User("hi")]))!;
        Assert.That(error.Message, Does.Contain("no chat template").And.Contain(TestModels.Directory));
    }

    [Test]
    public async Task ChatStream_GivesTheSameTextAsChat()
    {
        using var model = TestModels.Create(ScriptedLanguageModel.Alphabet(), TestModels.Template);
        var text = "";
        await foreach (var piece in model.ChatStreamAsync([ChatMessage.User("hi")], Greedy with { MaxTokens = 4 }))
        {
            text += piece.Text;
        }

        Assert.That(text, Is.EqualTo("cdef"));
    }

    [Test]
    public async Task CancelMidStream_ThrowsDisposesTheSequence_AndTheModelGeneratesAsAFreshOne()
    {
        var fake = ScriptedLanguageModel.Alphabet();
        using var model = TestModels.Create(fake);
        using var cancellation = new CancellationTokenSource();
        var received = 0;
        await Assert.ThatAsync(async () =>
        {
            await foreach (var piece in model.StreamAsync("c", Greedy with { MaxTokens = 10 }, cancellation.Token))
            {
                if (++received == 2)
                {
                    await cancellation.CancelAsync();
                }
            }
        }, Throws.InstanceOf<OperationCanceledException>());

        var afterwards = await model.GenerateAsync("c", Greedy with { MaxTokens = 10 });
        using var fresh = TestModels.Create(ScriptedLanguageModel.Alphabet());
        using (Assert.EnterMultipleScope())
        {
            Assert.That(received, Is.EqualTo(2));
            Assert.That(fake.OpenSequences, Is.Zero);
            Assert.That(afterwards.Text, Is.EqualTo(fresh.Generate("c", Greedy with { MaxTokens = 10 }).Text));
            Assert.That(afterwards.Text, Is.EqualTo("defghijklm"));
        }
    }

    [Test]
    public void CancelledBeforeStart_RunsNothing()
    {
        var fake = ScriptedLanguageModel.Alphabet();
        using var model = TestModels.Create(fake);
        Assert.Throws<OperationCanceledException>(() => model.Generate("c", Greedy, new CancellationToken(canceled: true)));
        Assert.That(fake.Appends, Is.Empty);
    }

    [Test]
    public async Task ConcurrentRequests_AreSerialised_AndEachGetsItsOwnResult()
    {
        var fake = new ScriptedLanguageModel(tokens => ScriptedLanguageModel.Favouring(ScriptedLanguageModel.NextLetter(tokens[^1])))
        {
            AppendDelay = TimeSpan.FromMilliseconds(2),
        };
        using var model = TestModels.Create(fake);
        string[] prompts = ["c", "e", "g", "i", "k", "m"];
        var requests = prompts.Select((prompt, i) => i % 2 == 0
            ? Task.Run(() => model.Generate(prompt, Greedy with { MaxTokens = 4 }))
            : model.GenerateAsync(prompt, Greedy with { MaxTokens = 4 }));
        var results = await Task.WhenAll(requests);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(results.Select(r => r.Text), Is.EqualTo(new[] { "defg", "fghi", "hijk", "jklm", "lmno", "nopq" }));
            Assert.That(fake.MostAppendsInFlight, Is.EqualTo(1));
            Assert.That(fake.OpenSequences, Is.Zero);
        }
    }

    [Test]
    public void Properties_ComeFromTheLoadedModel()
    {
        using var model = TestModels.Create(ScriptedLanguageModel.Alphabet(maxContextLength: 32), TestModels.Template);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(model.MaxContextLength, Is.EqualTo(32));
            Assert.That(model.HasChatTemplate, Is.True);
            Assert.That(model.Summary.Architecture, Is.EqualTo("MistralForCausalLM"));
            Assert.That(model.Directory, Is.EqualTo(TestModels.Directory));
        }
    }

    [Test]
    public void Load_OfAMissingDirectory_NamesIt()
    {
        var missing = Path.Combine(Path.GetTempPath(), "qrt-no-such-model-" + Guid.NewGuid().ToString("N"));
        var error = Assert.Throws<ModelFileException>(() => QrtModel.Load(missing))!;
        Assert.That(error.Message, Does.Contain(missing));
    }
}
