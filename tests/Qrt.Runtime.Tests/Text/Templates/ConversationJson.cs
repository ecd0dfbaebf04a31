using System.Text.Json;
using System.Text.Json.Nodes;
using Qrt.Runtime.Text;

namespace Qrt.Runtime.Tests.Text.Templates;

/// <summary>
/// A conversation written the way transformers users write it (a JSON list of message dicts), turned into
/// <see cref="ChatMessage" />s for Qrt; the same JSON goes to the JavaScript reference unchanged.
/// </summary>
internal static class ConversationJson
{
    public static List<ChatMessage> ToMessages(string messagesJson)
        => JsonNode.Parse(messagesJson)!.AsArray().Select(node => ToMessage(node!.AsObject())).ToList();

    private static ChatMessage ToMessage(JsonObject message)
    {
        var role = message["role"]!.GetValue<string>();
        var parts = message["content"] switch
        {
            JsonArray list => list.Select(part => ToPart(part!.AsObject())).ToList(),
            JsonNode text => [ChatContentPart.FromText(text.GetValue<string>())],
            null => [],
        };

        var toolCalls = message["tool_calls"] is JsonArray calls
            ? calls.Select(call => new ChatToolCall(
                call!["function"]!["name"]!.GetValue<string>(),
                JsonSerializer.SerializeToElement(call["function"]!["arguments"]),
                call["id"]?.GetValue<string>())).ToList()
            : [];

        return new ChatMessage(role, parts)
        {
            ToolCalls = toolCalls,
            ToolCallId = message["tool_call_id"]?.GetValue<string>(),
            Name = message["name"]?.GetValue<string>(),
            ReasoningContent = message["reasoning_content"]?.GetValue<string>(),
        };
    }

    private static ChatContentPart ToPart(JsonObject part) => part["type"]!.GetValue<string>() switch
    {
        "text" => ChatContentPart.FromText(part["text"]!.GetValue<string>()),
        "image" => ChatContentPart.Image(),
        "video" => ChatContentPart.Video(),
        var other => throw new ArgumentException($"unknown part type {other}"),
    };

    /// <summary>The JSON context the reference renders with: special tokens, messages, flags, tools, extras.</summary>
    public static string Context(
        IReadOnlyDictionary<string, string> specialTokens, string messagesJson, bool addGenerationPrompt, string? toolsJson = null, string? extraJson = null)
    {
        var context = new JsonObject();
        foreach (var pair in specialTokens)
        {
            context[pair.Key] = pair.Value;
        }

        context["messages"] = JsonNode.Parse(messagesJson);
        context["tools"] = toolsJson is null ? null : JsonNode.Parse(toolsJson);
        context["documents"] = null;
        context["add_generation_prompt"] = addGenerationPrompt;
        if (extraJson is not null)
        {
            foreach (var pair in JsonNode.Parse(extraJson)!.AsObject())
            {
                context[pair.Key] = pair.Value?.DeepClone();
            }
        }

        return context.ToJsonString();
    }

    /// <summary>Tool schemas as the JSON elements <see cref="ChatTemplate.Render" /> takes.</summary>
    public static List<JsonElement>? Tools(string? toolsJson)
        => toolsJson is null ? null : JsonDocument.Parse(toolsJson).RootElement.EnumerateArray().Select(tool => tool.Clone()).ToList();

    /// <summary>Extra variables as <see cref="ChatTemplate.Render" /> takes them.</summary>
    public static Dictionary<string, object?>? Extra(string? extraJson)
        => extraJson is null ? null : TemplateCase.Variables(extraJson);
}
