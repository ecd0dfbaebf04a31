using System.Text.Json;
using Qrt.Runtime.Tests.Support;
using Qrt.Runtime.Text;

namespace Qrt.Runtime.Tests.Text.Templates;

/// <summary>
/// The real chat templates shipped in the reference packages' tokenizer_config.json (Qwen3: tools, reasoning
/// blocks, <c>messages[::-1]</c>, namespaces; Llama 3), loaded with <see cref="ChatTemplate.Load" /> and rendered
/// over the conversations of tests/reference/inputs/chat-conversations.json, must match Hugging Face's JavaScript
/// Jinja on the same messages (and transformers itself: <see cref="TemplateGoldenTests" />).
/// </summary>
[TestFixture]
internal sealed class RealTemplateParityTests
{
    private static IReadOnlyList<ChatConversation> Conversations => ChatConversations.ForRealTemplates;

    private static IReadOnlyList<string> Models => ChatConversations.RealTemplateModels;

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
        var expected = Reference[model].Value[Conversations.ToList().IndexOf(conversation)];

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
