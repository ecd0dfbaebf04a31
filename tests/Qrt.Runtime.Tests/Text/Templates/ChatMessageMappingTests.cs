using System.Text.Json;
using Qrt.Runtime.Text;

namespace Qrt.Runtime.Tests.Text.Templates;

/// <summary>
/// Messages, tools and extra variables reach the template in transformers' shapes: text-only content as a string,
/// other content as a list of part dicts, tool calls as function dicts, optional keys only when set.
/// </summary>
[TestFixture]
internal sealed class ChatMessageMappingTests
{
    private static readonly ChatTemplate Dump = ChatTemplate.Parse("{{ messages | tojson }}");

    [Test]
    public void TextOnlyContent_IsAString()
    {
        Assert.That(Dump.Render([ChatMessage.User("Hi")]), Is.EqualTo("""[{"role": "user", "content": "Hi"}]"""));
    }

    [Test]
    public void ImagesAndSeveralParts_AreAListOfPartDicts()
    {
        var messages = new[]
        {
            ChatMessage.User(ChatContentPart.FromText("Look:"), ChatContentPart.Image(), ChatContentPart.Video()),
            ChatMessage.User(ChatContentPart.Image()),
            new ChatMessage("user", [ChatContentPart.FromText("a"), ChatContentPart.FromText("b")]),
        };

        Assert.That(Dump.Render(messages), Is.EqualTo(
            """[{"role": "user", "content": [{"type": "text", "text": "Look:"}, {"type": "image"}, {"type": "video"}]}, """
            + """{"role": "user", "content": [{"type": "image"}]}, """
            + """{"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]}]"""));
    }

    [Test]
    public void ToolCallsToolAnswersAndReasoning_AppearOnlyWhenSet()
    {
        var call = new ChatToolCall("get_weather", JsonDocument.Parse("""{"city": "Paris", "days": 2}""").RootElement, "call_1");
        var messages = new[]
        {
            ChatMessage.Assistant([call]),
            ChatMessage.Tool("22", "call_1", "get_weather"),
            new ChatMessage("assistant", [ChatContentPart.FromText("4")]) { ReasoningContent = "2+2" },
        };

        Assert.That(Dump.Render(messages), Is.EqualTo(
            """[{"role": "assistant", "content": "", "tool_calls": [{"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris", "days": 2}}, "id": "call_1"}]}, """
            + """{"role": "tool", "content": "22", "tool_call_id": "call_1", "name": "get_weather"}, """
            + """{"role": "assistant", "content": "4", "reasoning_content": "2+2"}]"""));
    }

    [Test]
    public void ToolsDocumentsAndTheGenerationFlag_AreAlwaysDefined()
    {
        var template = ChatTemplate.Parse("{{ tools is none }} {{ documents is none }} {{ add_generation_prompt }}");

        Assert.That(template.Render([], addGenerationPrompt: false), Is.EqualTo("True True False"));
    }

    [Test]
    public void Tools_KeepTheirJsonShapeAndKeyOrder()
    {
        const string tool = """{"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {"x": {"type": "number", "minimum": 0.5}}}}}""";

        var rendered = ChatTemplate.Parse("{{ tools | tojson }}").Render([], tools: [JsonDocument.Parse(tool).RootElement]);

        Assert.That(rendered, Is.EqualTo("[" + tool + "]"));
    }

    [Test]
    public void ExtraVariables_AcceptDotNetValues_AndRefuseReservedNames()
    {
        var template = ChatTemplate.Parse("{{ flag }} {{ count + 1 }} {{ ratio }} {{ names | join(',') }} {{ options.mode }}");
        var extra = new Dictionary<string, object?>
        {
            ["flag"] = false,
            ["count"] = 41,
            ["ratio"] = 0.5,
            ["names"] = new[] { "a", "b" },
            ["options"] = new Dictionary<string, object?> { ["mode"] = "fast" },
        };

        using (Assert.EnterMultipleScope())
        {
            Assert.That(template.Render([], extra: extra), Is.EqualTo("False 42 0.5 a,b fast"));
            Assert.Throws<ArgumentException>(() => template.Render([], extra: new Dictionary<string, object?> { ["messages"] = "x" }));
            Assert.Throws<ArgumentException>(() => template.Render([], extra: new Dictionary<string, object?> { ["bad"] = new object() }));
        }
    }
}
