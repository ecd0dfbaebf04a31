using System.Text.Json;
using Qrt.Runtime.Tests.Support;
using Qrt.Runtime.Text;

namespace Qrt.Runtime.Tests.Text.Templates;

/// <summary>
/// The real chat templates shipped in the reference packages' tokenizer_config.json (Qwen3: tools, reasoning
/// blocks, <c>messages[::-1]</c>, namespaces; Llama 3), loaded with <see cref="ChatTemplate.Load" /> and rendered
/// over several conversations, must match Hugging Face's JavaScript Jinja on the same messages.
/// </summary>
[TestFixture]
internal sealed class RealTemplateParityTests
{
    private const string Tools = """
        [{"type": "function", "function": {"name": "get_weather", "description": "Get the weather for a city",
          "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "City name"},
          "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}}, "required": ["city"]}}}]
        """;

    private static readonly ChatConversation[] Conversations =
    [
        .. ChatConversation.BothPromptModes("one user message", """[{"role": "user", "content": "Hello!"}]"""),
        .. ChatConversation.BothPromptModes("system message", """[{"role": "system", "content": "You are terse."}, {"role": "user", "content": "Hi"}]"""),
        .. ChatConversation.BothPromptModes(
            "system message and tools", """[{"role": "system", "content": "You are terse."}, {"role": "user", "content": "Hi"}]""", Tools),
        .. ChatConversation.BothPromptModes("multi-turn", """
            [{"role": "system", "content": "Be kind."}, {"role": "user", "content": "Hi"},
             {"role": "assistant", "content": "Hello! How can I help?"}, {"role": "user", "content": "Tell me a joke.\nPlease."}]
            """),
        .. ChatConversation.BothPromptModes("reasoning", """
            [{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "<think>\nSimple sum.\n</think>\n\n4"},
             {"role": "user", "content": "3+3?"}, {"role": "assistant", "content": "6", "reasoning_content": "Add them."}]
            """),
        .. ChatConversation.BothPromptModes("tool calls and tool responses", ToolConversation, Tools),
        .. ChatConversation.BothPromptModes("tool calls without tool schemas", ToolConversation),
        .. ChatConversation.BothPromptModes("unicode", """[{"role": "user", "content": "Ünïcødé 😀 中文\ttab"}]"""),
        new("thinking disabled", """[{"role": "user", "content": "Hello!"}]""", true, null, """{"enable_thinking": false}"""),
    ];

    private const string ToolConversation = """
        [{"role": "user", "content": "Weather in Paris?"},
         {"role": "assistant", "content": "", "tool_calls": [{"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris", "unit": "celsius"}}, "id": "call1"}]},
         {"role": "tool", "content": "{\"temp\": 22}", "tool_call_id": "call1"},
         {"role": "tool", "content": "sunny", "tool_call_id": "call1"},
         {"role": "assistant", "content": "It is 22 °C and sunny in Paris."}]
        """;

    private static readonly string[] Models = ["qwen3", "llama3"];

    private static readonly Dictionary<string, Lazy<IReadOnlyList<JinjaReference.Result>>> Reference =
        Models.ToDictionary(model => model, model => JinjaReference.Once(() => ReferenceCases(model)));

    private static IEnumerable<TestCaseData> Cases()
        => from model in Models
           from conversation in Conversations
           select new TestCaseData(model, conversation).SetArgDisplayNames(model, conversation.Name);

    [TestCaseSource(nameof(Cases))]
    public void RendersAsTheReference(string model, ChatConversation conversation)
    {
        var template = ChatTemplate.Load(JsReference.TokenizerDirectory(model));
        var expected = Reference[model].Value[Array.IndexOf(Conversations, conversation)];

        var rendered = template.Render(
            ConversationJson.ToMessages(conversation.Messages),
            conversation.AddGenerationPrompt,
            ConversationJson.Tools(conversation.Tools),
            ConversationJson.Extra(conversation.Extra));

        Assert.That(expected.Error, Is.Null, "the reference renders every conversation");
        Assert.That(rendered, Is.EqualTo(expected.Output));
    }

    [Test]
    public void Qwen3_RendersToolsAndReasoning_AsTransformersDoes()
    {
        // An independent check on one conversation, written out from the template's own text.
        var template = ChatTemplate.Load(JsReference.TokenizerDirectory("qwen3"));
        var messages = ConversationJson.ToMessages("""
            [{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "4", "reasoning_content": "Add."}]
            """);

        Assert.That(template.Render(messages, addGenerationPrompt: false), Is.EqualTo(
            "<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n<think>\nAdd.\n</think>\n\n4<|im_end|>\n"));
    }

    // The special tokens are read from tokenizer_config.json here independently of ChatTemplate.
    private static List<(string Template, string ContextJson)> ReferenceCases(string model)
    {
        var directory = JsReference.TokenizerDirectory(model);
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory, "tokenizer_config.json")));
        var template = config.RootElement.GetProperty("chat_template").GetString()!;
        var specialTokens = new Dictionary<string, string>();
        foreach (var name in new[] { "bos_token", "eos_token", "unk_token", "pad_token" })
        {
            if (config.RootElement.TryGetProperty(name, out var token) && token.ValueKind == JsonValueKind.String)
            {
                specialTokens[name] = token.GetString()!;
            }
        }

        return Conversations
            .Select(c => (Template: template, ContextJson: ConversationJson.Context(specialTokens, c.Messages, c.AddGenerationPrompt, c.Tools, c.Extra)))
            .ToList();
    }
}
