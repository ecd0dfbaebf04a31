using Qrt.Runtime.Text;

namespace Qrt.Runtime.Tests.Text.Templates;

/// <summary>
/// The format templates written for the tests render the text and image conversations of
/// tests/reference/inputs/chat-conversations.json exactly as Hugging Face's JavaScript Jinja renders them (the same
/// template text and messages; transformers itself: <see cref="TemplateGoldenTests" />).
/// </summary>
[TestFixture]
internal sealed class ChatFormatParityTests
{
    private static IReadOnlyDictionary<string, string> Tokens => ChatConversations.FormatSpecialTokens;

    private static IReadOnlyList<(string Fixture, ChatConversation Conversation)> Cases => ChatConversations.ForFormatTemplates;

    private static readonly Lazy<IReadOnlyList<JinjaReference.Result>> Reference = JinjaReference.Once(() => Cases.Select(c => (
        Template: TemplateFixtures.Text(c.Fixture),
        ContextJson: ConversationJson.Context(Tokens, c.Conversation.Messages, c.Conversation.AddGenerationPrompt, c.Conversation.Tools, c.Conversation.Extra))));

    private static IEnumerable<TestCaseData> TestCases()
        => Cases.Select((c, index) => new TestCaseData(index).SetArgDisplayNames(c.Fixture, c.Conversation.Name));

    [TestCaseSource(nameof(TestCases))]
    public void RendersAsTheReference(int index)
    {
        var (fixture, conversation) = Cases[index];
        var template = ChatTemplate.Parse(TemplateFixtures.Text(fixture), fixture, Tokens);
        var expected = Reference.Value[index];

        var rendered = template.Render(
            ConversationJson.ToMessages(conversation.Messages),
            conversation.AddGenerationPrompt,
            ConversationJson.Tools(conversation.Tools),
            ConversationJson.Extra(conversation.Extra));

        Assert.That(expected.Error, Is.Null, "the reference renders every conversation");
        Assert.That(rendered, Is.EqualTo(expected.Output));
    }
}
