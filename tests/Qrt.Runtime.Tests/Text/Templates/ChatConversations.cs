using System.Text.Json.Nodes;
using Qrt.Runtime.Tests.Support;

namespace Qrt.Runtime.Tests.Text.Templates;

/// <summary>
/// The conversations the chat-template parity tests render, read from tests/reference/inputs/chat-conversations.json
/// (the golden script reads the same file): those for the real templates of the reference packages, and those for
/// the templates written for the tests with the special tokens they are given.
/// </summary>
internal static class ChatConversations
{
    private static readonly Lazy<Loaded> File = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The models whose real templates are rendered ("qwen3", "llama3").</summary>
    public static IReadOnlyList<string> RealTemplateModels => File.Value.Models;

    /// <summary>The conversations every real template renders.</summary>
    public static IReadOnlyList<ChatConversation> ForRealTemplates => File.Value.RealCases;

    /// <summary>The special tokens the format templates are given (and no others).</summary>
    public static IReadOnlyDictionary<string, string> FormatSpecialTokens => File.Value.FormatTokens;

    /// <summary>Each format-template conversation with the fixture (Fixtures/NAME.jinja) that renders it.</summary>
    public static IReadOnlyList<(string Fixture, ChatConversation Conversation)> ForFormatTemplates => File.Value.FormatCases;

    private sealed record Loaded(
        IReadOnlyList<string> Models,
        IReadOnlyList<ChatConversation> RealCases,
        IReadOnlyDictionary<string, string> FormatTokens,
        IReadOnlyList<(string Fixture, ChatConversation Conversation)> FormatCases);

    private static Loaded Load()
    {
        var root = JsonNode.Parse(System.IO.File.ReadAllText(ReferenceFiles.Input("chat-conversations.json")))!.AsObject();
        var tools = root["tools"]!.AsObject();
        var real = root["real_templates"]!.AsObject();
        var formats = root["format_templates"]!.AsObject();
        return new Loaded(
            [.. real["models"]!.AsArray().Select(model => model!.GetValue<string>())],
            [.. real["conversations"]!.AsArray().SelectMany(node => Expand(node!.AsObject(), tools))],
            formats["special_tokens"]!.AsObject().ToDictionary(pair => pair.Key, pair => pair.Value!.GetValue<string>()),
            [.. formats["conversations"]!.AsArray().SelectMany(node => Expand(node!.AsObject(), tools)
                .Select(conversation => (node!["template"]!.GetValue<string>(), conversation)))]);
    }

    /// <summary>One conversation as the cases it stands for: both prompt modes when add_generation_prompt is "both".</summary>
    private static IEnumerable<ChatConversation> Expand(JsonObject conversation, JsonObject tools)
    {
        var name = conversation["name"]!.GetValue<string>();
        var messages = conversation["messages"]!.ToJsonString();
        var toolsJson = conversation["tools"] is { } toolsName ? tools[toolsName.GetValue<string>()]!.ToJsonString() : null;
        var extra = conversation["extra"]?.ToJsonString();
        var mode = conversation["add_generation_prompt"]!;
        if (mode.GetValueKind() == System.Text.Json.JsonValueKind.String)
        {
            return mode.GetValue<string>() == "both"
                ? ChatConversation.BothPromptModes(name, messages, toolsJson, extra)
                : throw new InvalidDataException($"conversation '{name}': add_generation_prompt must be true, false or \"both\"");
        }

        return [new ChatConversation(name, messages, mode.GetValue<bool>(), toolsJson, extra)];
    }
}
