using Qrt.Runtime.Text;
using Qrt.Runtime.Text.Templates;

namespace Qrt.Runtime.Tests.Text.Templates;

/// <summary>
/// The chat templates written for the Pixtral-12B, Qwen2-VL, Mistral/Mixtral v3 (with tools) and Pixtral-Large
/// formats render exactly the documented prompt strings (shared/reference/architectures.md §1.5, §1.6, §2.5,
/// §3.4), images included.
/// </summary>
[TestFixture]
internal sealed class ChatFormatTests
{
    private static readonly Dictionary<string, string> MistralTokens = new() { ["bos_token"] = "<s>", ["eos_token"] = "</s>" };

    [Test]
    public void Pixtral12B_DocumentedImagePrompt()
    {
        var messages = new[]
        {
            ChatMessage.User(
                ChatContentPart.Image(),
                ChatContentPart.FromText("\nWhat are the things I should be cautious about when I visit this place?")),
        };

        Assert.That(
            Load(TemplateFixtures.Pixtral12B).Render(messages),
            Is.EqualTo("<s>[INST][IMG]\nWhat are the things I should be cautious about when I visit this place?[/INST]"));
    }

    [Test]
    public void Pixtral12B_PutsTheSystemPromptBeforeTheLastUserTurn_WithNoSpacesAroundTags()
    {
        var messages = new[]
        {
            ChatMessage.System("You are terse."),
            ChatMessage.User("Hi"),
            ChatMessage.Assistant("Hello!"),
            ChatMessage.User(ChatContentPart.FromText("Describe this."), ChatContentPart.Image()),
        };

        Assert.That(
            Load(TemplateFixtures.Pixtral12B).Render(messages),
            Is.EqualTo("<s>[INST]Hi[/INST]Hello!</s>[INST]You are terse.\n\nDescribe this.[IMG][/INST]"));
    }

    [Test]
    public void Pixtral12B_RejectsRolesThatDoNotAlternate()
    {
        var messages = new[] { ChatMessage.User("a"), ChatMessage.User("b") };

        var error = Assert.Throws<TemplateRaisedException>(() => Load(TemplateFixtures.Pixtral12B).Render(messages));

        Assert.That(error!.TemplateMessage, Is.EqualTo("After an optional system message, roles must alternate user/assistant/user/assistant."));
    }

    [Test]
    public void Qwen2VL_AddsTheDefaultSystemPrompt_AndTheImagePlaceholder()
    {
        var messages = new[] { ChatMessage.User(ChatContentPart.Image(), ChatContentPart.FromText("Describe this image.")) };

        Assert.That(
            Load(TemplateFixtures.Qwen2VL).Render(messages),
            Is.EqualTo(
                "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
                + "<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>Describe this image.<|im_end|>\n"
                + "<|im_start|>assistant\n"));
    }

    [Test]
    public void Qwen2VL_KeepsAGivenSystemPrompt_AndRendersVideos_WithoutAGenerationPrompt()
    {
        var messages = new[]
        {
            ChatMessage.System("Be brief."),
            ChatMessage.User(ChatContentPart.Video(), ChatContentPart.FromText("What happens?")),
            ChatMessage.Assistant("A cat jumps."),
        };

        Assert.That(
            Load(TemplateFixtures.Qwen2VL).Render(messages, addGenerationPrompt: false),
            Is.EqualTo(
                "<|im_start|>system\nBe brief.<|im_end|>\n"
                + "<|im_start|>user\n<|vision_start|><|video_pad|><|vision_end|>What happens?<|im_end|>\n"
                + "<|im_start|>assistant\nA cat jumps.<|im_end|>\n"));
    }

    [Test]
    public void Qwen2VL_NumbersImages_WhenAskedTo()
    {
        var messages = new[] { ChatMessage.User(ChatContentPart.Image(), ChatContentPart.Image(), ChatContentPart.FromText("Same?")) };

        var rendered = Load(TemplateFixtures.Qwen2VL).Render(messages, extra: new Dictionary<string, object?> { ["add_vision_id"] = true });

        Assert.That(rendered, Is.EqualTo(
            "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
            + "<|im_start|>user\nPicture 1: <|vision_start|><|image_pad|><|vision_end|>"
            + "Picture 2: <|vision_start|><|image_pad|><|vision_end|>Same?<|im_end|>\n"
            + "<|im_start|>assistant\n"));
    }

    [Test]
    public void MistralV3_DocumentedMultiTurnPrompt()
    {
        var messages = new[] { ChatMessage.User("Hi"), ChatMessage.Assistant("Hello!"), ChatMessage.User("How are you?") };

        Assert.That(
            Load(TemplateFixtures.MistralV3Tools).Render(messages),
            Is.EqualTo("<s>[INST] Hi[/INST] Hello!</s>[INST] How are you?[/INST]"));
    }

    [Test]
    public void MistralV3_PrependsTheSystemPromptToTheLastUserTurn()
    {
        var messages = new[]
        {
            ChatMessage.System("You are terse."), ChatMessage.User("Hi"), ChatMessage.Assistant("Hello!"), ChatMessage.User("How are you?"),
        };

        Assert.That(
            Load(TemplateFixtures.MistralV3Tools).Render(messages),
            Is.EqualTo("<s>[INST] Hi[/INST] Hello!</s>[INST] You are terse.\n\nHow are you?[/INST]"));
    }

    [Test]
    public void MistralV3_RendersAvailableToolsToolCallsAndToolResults()
    {
        var messages = ConversationJson.ToMessages("""
            [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"},
             {"role": "user", "content": "What's the weather in Paris?"},
             {"role": "assistant", "tool_calls": [{"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris"}}, "id": "abcDEF123"}]},
             {"role": "tool", "content": "22 degrees", "tool_call_id": "abcDEF123"},
             {"role": "assistant", "content": "It is 22 degrees in Paris."}]
            """);
        var tools = ConversationJson.Tools("""
            [{"type": "function", "function": {"name": "get_weather", "description": "Get the weather",
              "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]
            """);

        Assert.That(
            Load(TemplateFixtures.MistralV3Tools).Render(messages, tools: tools),
            Is.EqualTo(
                "<s>[INST] Hi[/INST] Hello!</s>"
                + "[AVAILABLE_TOOLS] [{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"description\": \"Get the weather\", "
                + "\"parameters\": {\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\"}}, \"required\": [\"city\"]}}}][/AVAILABLE_TOOLS]"
                + "[INST] What's the weather in Paris?[/INST]"
                + "[TOOL_CALLS] [{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}, \"id\": \"abcDEF123\"}]</s>"
                + "[TOOL_RESULTS] {\"content\": \"22 degrees\", \"call_id\": \"abcDEF123\"}[/TOOL_RESULTS]"
                + " It is 22 degrees in Paris.</s>"));
    }

    [Test]
    public void MistralV3_RejectsToolCallIdsThatAreNotNineCharacters()
    {
        var call = new ChatToolCall("f", System.Text.Json.JsonDocument.Parse("{}").RootElement, "short");
        var messages = new[] { ChatMessage.User("Hi"), ChatMessage.Assistant([call]) };

        var error = Assert.Throws<TemplateRaisedException>(() => Load(TemplateFixtures.MistralV3Tools).Render(messages));

        Assert.That(error!.TemplateMessage, Is.EqualTo("Tool call ids must be 9 characters long."));
    }

    [Test]
    public void PixtralLarge_UsesSystemPromptTagsAndASpaceAfterInst()
    {
        var messages = new[]
        {
            ChatMessage.System("You are helpful."),
            ChatMessage.User(ChatContentPart.Image(), ChatContentPart.FromText("Describe the image.")),
            ChatMessage.Assistant("A cat."),
            ChatMessage.User("And the colour?"),
        };

        Assert.That(
            Load(TemplateFixtures.PixtralLarge).Render(messages),
            Is.EqualTo("<s>[SYSTEM_PROMPT] You are helpful.[/SYSTEM_PROMPT][INST] [IMG]Describe the image.[/INST] A cat.</s>[INST] And the colour?[/INST]"));
    }

    private static ChatTemplate Load(string fixture)
        => ChatTemplate.Parse(TemplateFixtures.Text(fixture), TemplateFixtures.PathOf(fixture), MistralTokens);
}
