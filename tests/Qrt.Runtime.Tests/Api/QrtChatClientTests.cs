using Microsoft.Extensions.AI;
using Qrt.Runtime.Tests.Generation;
using Qrt.Runtime.Tests.Vision.Images;
using Qrt.Runtime.Vision.Images;

namespace Qrt.Runtime.Tests.Api;

/// <summary>
/// The Microsoft.Extensions.AI adapter over the alphabet model and the bracket template: the prompt of
/// [system "be brief", user "hi"] is &lt;s&gt; + the bytes of "[system]be brief[user]hi[assistant]" (36 tokens), and the
/// greedy answer is "cdefg…z" then &lt;/s&gt;.
/// </summary>
[TestFixture]
public sealed class QrtChatClientTests
{
    private const int PromptTokens = 36;

    private static readonly ChatMessage[] Conversation = [new(ChatRole.System, "be brief"), new(ChatRole.User, "hi")];

    [Test]
    public void ChatOptions_MapToGenerationOptions()
    {
        var options = new ChatOptions { Temperature = 0.5f, TopP = 0.9f, TopK = 7, MaxOutputTokens = 12, StopSequences = ["x", "yz"], Seed = -1 };
        var mapped = ChatClientMapping.ToGenerationOptions(options);
        var defaults = ChatClientMapping.ToGenerationOptions(null);
        using (Assert.EnterMultipleScope())
        {
            Assert.That((mapped.Temperature, mapped.TopP, mapped.TopK, mapped.MaxTokens), Is.EqualTo(((float?)0.5f, (float?)0.9f, (int?)7, 12)));
            Assert.That(mapped.StopSequences, Is.EqualTo(new[] { "x", "yz" }));
            Assert.That(mapped.Seed, Is.EqualTo(ulong.MaxValue), "the seed's bits are kept");
            Assert.That((defaults.Temperature, defaults.TopP, defaults.TopK, defaults.Seed, defaults.MaxTokens), Is.EqualTo(((float?)null, (float?)null, (int?)null, (ulong?)null, 256)));
        }
    }

    [Test]
    public void Roles_AreTheTemplateRoleStrings_AndInstructionsComeFirst()
    {
        var messages = ChatClientMapping.ToTemplateMessages(
            [new(ChatRole.User, "q"), new(ChatRole.Assistant, "a"), new(ChatRole.Tool, "t")], new ChatOptions { Instructions = "rules" });
        Assert.That(messages.Select(m => (m.Role, m.Parts[0].Text)), Is.EqualTo(new[] { ("system", "rules"), ("user", "q"), ("assistant", "a"), ("tool", "t") }));
    }

    [Test]
    public async Task GetResponse_ReportsTextUsageFinishReasonAndModelId()
    {
        using var model = TestModels.Create(ScriptedLanguageModel.Alphabet(), TestModels.Template);
        using var client = model.AsChatClient();
        var limited = await client.GetResponseAsync(Conversation, new ChatOptions { Temperature = 0, MaxOutputTokens = 3 });
        var natural = await client.GetResponseAsync(Conversation, new ChatOptions { Temperature = 0, MaxOutputTokens = 100 });
        var stopped = await client.GetResponseAsync(Conversation, new ChatOptions { Temperature = 0, StopSequences = ["ef"] });
        using (Assert.EnterMultipleScope())
        {
            Assert.That(limited.Text, Is.EqualTo("cde"));
            Assert.That(limited.FinishReason, Is.EqualTo(ChatFinishReason.Length));
            Assert.That(
                (limited.Usage!.InputTokenCount, limited.Usage.OutputTokenCount, limited.Usage.TotalTokenCount),
                Is.EqualTo(((long?)PromptTokens, (long?)3, (long?)(PromptTokens + 3))));
            Assert.That(limited.ModelId, Is.EqualTo("alphabet-test"));
            Assert.That(limited.Messages.Single().Role, Is.EqualTo(ChatRole.Assistant));

            Assert.That(natural.Text, Is.EqualTo("cdefghijklmnopqrstuvwxyz"));
            Assert.That(natural.FinishReason, Is.EqualTo(ChatFinishReason.Stop));
            Assert.That(natural.Usage!.OutputTokenCount, Is.EqualTo(25), "24 letters and </s>");

            Assert.That(stopped.Text, Is.EqualTo("cd"));
            Assert.That(stopped.FinishReason, Is.EqualTo(ChatFinishReason.Stop));
        }
    }

    [Test]
    public async Task GetStreamingResponse_StreamsTheText_ThenUsageAndFinishReasonLast()
    {
        using var model = TestModels.Create(ScriptedLanguageModel.Alphabet(), TestModels.Template);
        using var client = model.AsChatClient();
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync(Conversation, new ChatOptions { Temperature = 0, MaxOutputTokens = 3 }))
        {
            updates.Add(update);
        }

        var usage = updates[^1].Contents.OfType<UsageContent>().Single().Details;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(string.Concat(updates.Select(u => u.Text)), Is.EqualTo("cde"));
            Assert.That(updates.Select(u => u.Role), Is.All.EqualTo(ChatRole.Assistant));
            Assert.That(updates[..^1].Select(u => u.FinishReason), Is.All.Null);
            Assert.That(updates[^1].FinishReason, Is.EqualTo(ChatFinishReason.Length));
            Assert.That((usage.InputTokenCount, usage.OutputTokenCount), Is.EqualTo(((long?)PromptTokens, (long?)3)));
            Assert.That(updates.Select(u => u.ResponseId).Distinct().Count(), Is.EqualTo(1));
            Assert.That(updates.ToChatResponse().Text, Is.EqualTo("cde"));
        }
    }

    [Test]
    public async Task AudioContent_IsNotSupported()
    {
        using var model = TestModels.Create(ScriptedLanguageModel.Alphabet(), TestModels.Template);
        using var client = model.AsChatClient();
        ChatMessage[] withAudio = [new(ChatRole.User, [new TextContent("what is this?"), new DataContent(new byte[] { 1, 2, 3 }, "audio/wav")])];
        await Assert.ThatAsync(
            () => client.GetResponseAsync(withAudio), Throws.TypeOf<NotSupportedException>().With.Message.Contains("audio/wav"));
    }

    [Test]
    public async Task ImageContent_ForATextModel_SaysTheModelHasNoImageEncoder()
    {
        using var model = TestModels.Create(ScriptedLanguageModel.Alphabet(), TestModels.Template);
        using var client = model.AsChatClient();
        var png = ImageFiles.Png(1, 1, 2, [[10, 20, 30]]);
        ChatMessage[] withImage = [new(ChatRole.User, [new TextContent("what is this?"), new DataContent(png, "image/png")])];
        await Assert.ThatAsync(
            () => client.GetResponseAsync(withImage), Throws.TypeOf<NotSupportedException>().With.Message.Contains("no image encoder"));
    }

    [Test]
    public async Task UndecodableImageContent_IsAnImageFormatError()
    {
        using var model = TestModels.Create(ScriptedLanguageModel.Alphabet(), TestModels.Template);
        using var client = model.AsChatClient();
        ChatMessage[] withImage = [new(ChatRole.User, [new DataContent(new byte[] { 1, 2, 3 }, "image/png")])];
        await Assert.ThatAsync(
            () => client.GetResponseAsync(withImage), Throws.TypeOf<ImageFormatException>().With.Message.Contains("image/png data"));
    }

    [Test]
    public void GetService_GivesMetadataTheClientAndTheModel()
    {
        using var model = TestModels.Create(ScriptedLanguageModel.Alphabet(), TestModels.Template);
        using var client = model.AsChatClient();
        var metadata = client.GetService<ChatClientMetadata>();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(metadata?.ProviderName, Is.EqualTo("qrt"));
            Assert.That(metadata?.DefaultModelId, Is.EqualTo("alphabet-test"));
            Assert.That(client.GetService<IChatClient>(), Is.SameAs(client));
            Assert.That(client.GetService<QrtModel>(), Is.SameAs(model));
            Assert.That(client.GetService(typeof(IChatClient), serviceKey: "other"), Is.Null);
            Assert.That(client.GetService<string>(), Is.Null);
        }
    }
}
