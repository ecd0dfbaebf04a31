using System.Text.Json;
using Qrt.Runtime.Tests.Support;
using Qrt.Runtime.Text;

namespace Qrt.Runtime.Tests.Text.Templates;

/// <summary>
/// Qrt's chat templates against transformers' apply_chat_template (real jinja2 with transformers' globals and tojson),
/// through the committed goldens of tests/reference/template_goldens.py: the real Qwen3 and Llama 3 templates loaded
/// from their tokenizer_config.json, and the format templates written for the tests, over the conversations of
/// tests/reference/inputs/chat-conversations.json. Rendering uses <see cref="FixedClock" />, the clock the goldens
/// were rendered with.
/// </summary>
[TestFixture]
internal sealed class TemplateGoldenTests
{
    private const string Real = "real_templates";
    private const string Formats = "format_templates";

    private static IEnumerable<TestCaseData> RealCases() =>
        from model in ChatConversations.RealTemplateModels
        from conversation in ChatConversations.ForRealTemplates
        select new TestCaseData(model, conversation).SetArgDisplayNames(model, conversation.Name);

    private static IEnumerable<TestCaseData> FormatCases() =>
        ChatConversations.ForFormatTemplates.Select(c => new TestCaseData(c.Fixture, c.Conversation).SetArgDisplayNames(c.Fixture, c.Conversation.Name));

    [TestCaseSource(nameof(RealCases))]
    public void RealTemplate_RendersAsTransformers(string model, ChatConversation conversation)
    {
        var template = ChatTemplate.Load(JsReference.TokenizerDirectory(model)).WithClock(FixedClock.Instance);

        Assert.That(Render(template, conversation), Is.EqualTo(TemplateGoldens.Output(Real, model, conversation.Name)));
    }

    [TestCaseSource(nameof(FormatCases))]
    public void FormatTemplate_RendersAsTransformers(string fixture, ChatConversation conversation)
    {
        var template = ChatTemplate.Parse(TemplateFixtures.Text(fixture), fixture, ChatConversations.FormatSpecialTokens).WithClock(FixedClock.Instance);

        Assert.That(Render(template, conversation), Is.EqualTo(TemplateGoldens.Output(Formats, fixture, conversation.Name)));
    }

    [Test]
    public void Templates_AreTheOnesTheGoldensWereRenderedFrom()
    {
        // A changed template (a fixture edited, another package version) makes the goldens stale: regenerate them.
        var recorded = TemplateGoldens.Manifest.GetProperty("templates_sha256");
        foreach (var model in ChatConversations.RealTemplateModels)
        {
            var text = RealTemplateText(model);
            Assert.That(TemplateGoldens.Sha256(text), Is.EqualTo(recorded.GetProperty(Real).GetProperty(model).GetString()), model);
        }

        foreach (var fixture in ChatConversations.ForFormatTemplates.Select(c => c.Fixture).Distinct())
        {
            Assert.That(TemplateGoldens.Sha256(TemplateFixtures.Text(fixture)), Is.EqualTo(recorded.GetProperty(Formats).GetProperty(fixture).GetString()), fixture);
        }
    }

    [Test]
    public void Goldens_HoldEveryConversation_RenderedAtTheTestClock()
    {
        foreach (var model in ChatConversations.RealTemplateModels)
        {
            Assert.That(TemplateGoldens.Conversations(Real, model), Is.EquivalentTo(ChatConversations.ForRealTemplates.Select(c => c.Name)), model);
        }

        foreach (var group in ChatConversations.ForFormatTemplates.GroupBy(c => c.Fixture))
        {
            Assert.That(TemplateGoldens.Conversations(Formats, group.Key), Is.EquivalentTo(group.Select(c => c.Conversation.Name)), group.Key);
        }

        Assert.That(TemplateGoldens.Manifest.GetProperty("clock").GetString(), Is.EqualTo(FixedClock.Instance.GetLocalNow().ToString("yyyy-MM-ddTHH:mm:ss", System.Globalization.CultureInfo.InvariantCulture)));
    }

    private static string Render(ChatTemplate template, ChatConversation conversation) => template.Render(
        ConversationJson.ToMessages(conversation.Messages),
        conversation.AddGenerationPrompt,
        ConversationJson.Tools(conversation.Tools),
        ConversationJson.Extra(conversation.Extra));

    private static string RealTemplateText(string model)
    {
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(JsReference.TokenizerDirectory(model), "tokenizer_config.json")));
        return config.RootElement.GetProperty("chat_template").GetString()!;
    }
}
