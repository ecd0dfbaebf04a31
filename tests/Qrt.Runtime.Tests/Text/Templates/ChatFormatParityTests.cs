using Qrt.Runtime.Text;

namespace Qrt.Runtime.Tests.Text.Templates;

/// <summary>
/// The format templates written for the tests render text and image conversations exactly as Hugging Face's
/// JavaScript Jinja renders them (the same template text and messages).
/// </summary>
[TestFixture]
internal sealed class ChatFormatParityTests
{
    private const string Tools = """
        [{"type": "function", "function": {"name": "get_weather", "description": "Get the weather",
          "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]
        """;

    private static readonly Dictionary<string, string> Tokens = new() { ["bos_token"] = "<s>", ["eos_token"] = "</s>" };

    private static readonly (string Fixture, ChatConversation Conversation)[] Cases =
    [
        .. For(TemplateFixtures.Pixtral12B, "image then text", """[{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "What is this?"}]}]"""),
        .. For(TemplateFixtures.Pixtral12B, "system and several images", """
            [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"},
             {"role": "user", "content": [{"type": "text", "text": "Compare"}, {"type": "image"}, {"type": "text", "text": "and"}, {"type": "image"}]}]
            """),
        .. For(TemplateFixtures.PixtralLarge, "system, image and turns", """
            [{"role": "system", "content": "You are helpful."}, {"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "Describe the image."}]},
             {"role": "assistant", "content": "A cat."}, {"role": "user", "content": "And the colour?"}]
            """),
        .. For(TemplateFixtures.PixtralLarge, "text only", """[{"role": "user", "content": "Hi"}]"""),
        .. For(TemplateFixtures.Qwen2VL, "image", """[{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "Describe this image."}]}]"""),
        .. For(TemplateFixtures.Qwen2VL, "system, images and video", """
            [{"role": "system", "content": "Be brief."}, {"role": "user", "content": [{"type": "text", "text": "Compare"}, {"type": "image"}, {"type": "image"}]},
             {"role": "assistant", "content": "They differ."}, {"role": "user", "content": [{"type": "video"}, {"type": "text", "text": "And this?"}]}]
            """),
        .. For(TemplateFixtures.Qwen2VL, "numbered images", """[{"role": "user", "content": [{"type": "image"}, {"type": "video"}, {"type": "image"}]}]""",
            extra: """{"add_vision_id": true}"""),
        .. For(TemplateFixtures.MistralV3Tools, "multi-turn with system", """
            [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "Hi"}, {"role": "assistant", "content": " Hello! "},
             {"role": "user", "content": "How are you?"}]
            """),
        .. For(TemplateFixtures.MistralV3Tools, "tools", """
            [{"role": "user", "content": "What's the weather in Paris and Rome?"},
             {"role": "assistant", "content": "", "tool_calls": [
               {"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris"}}, "id": "abcDEF123"},
               {"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Rome"}}, "id": "xyzXYZ789"}]},
             {"role": "tool", "content": "22 degrees", "tool_call_id": "abcDEF123"},
             {"role": "tool", "content": "25 degrees", "tool_call_id": "xyzXYZ789"},
             {"role": "assistant", "content": "Paris 22, Rome 25."}, {"role": "user", "content": "Thanks"}]
            """, Tools),
    ];

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

    private static IEnumerable<(string, ChatConversation)> For(string fixture, string name, string messages, string? tools = null, string? extra = null)
        => ChatConversation.BothPromptModes(name, messages, tools, extra).Select(conversation => (fixture, conversation));
}
