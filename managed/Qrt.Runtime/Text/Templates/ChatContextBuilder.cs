using System.Text.Json;

namespace Qrt.Runtime.Text.Templates;

/// <summary>
/// Builds the variables a chat template renders with, as transformers passes them: <c>messages</c>,
/// <c>tools</c> and <c>documents</c> (none unless given), <c>add_generation_prompt</c>, the special tokens
/// (<c>bos_token</c>, <c>eos_token</c>, ...), and any extra variables.
/// </summary>
internal static class ChatContextBuilder
{
    private static readonly HashSet<string> Reserved = new(StringComparer.Ordinal) { "messages", "tools", "add_generation_prompt" };

    public static Dictionary<string, object?> Build(
        IReadOnlyList<ChatMessage> messages,
        bool addGenerationPrompt,
        IReadOnlyList<JsonElement>? tools,
        IReadOnlyDictionary<string, object?>? extra,
        IReadOnlyDictionary<string, string> specialTokens)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var variables = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var pair in specialTokens)
        {
            variables[pair.Key] = pair.Value;
        }

        variables["messages"] = messages.Select(ToDict).ToList<object?>();
        variables["tools"] = tools?.Select(TemplateValueConverter.FromJson).ToList();
        variables["documents"] = null;
        variables["add_generation_prompt"] = addGenerationPrompt;
        if (extra is not null)
        {
            foreach (var pair in extra)
            {
                if (Reserved.Contains(pair.Key))
                {
                    throw new ArgumentException($"'{pair.Key}' is set by the chat template itself and cannot be an extra variable", nameof(extra));
                }

                variables[pair.Key] = TemplateValueConverter.FromDotNet(pair.Value, pair.Key);
            }
        }

        return variables;
    }

    private static DictValue ToDict(ChatMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var dict = new DictValue
        {
            ["role"] = message.Role,
            ["content"] = Content(message.Parts),
        };

        if (message.ToolCalls.Count > 0)
        {
            dict["tool_calls"] = message.ToolCalls.Select(ToolCall).ToList<object?>();
        }

        if (message.ToolCallId is not null)
        {
            dict["tool_call_id"] = message.ToolCallId;
        }

        if (message.Name is not null)
        {
            dict["name"] = message.Name;
        }

        if (message.ReasoningContent is not null)
        {
            dict["reasoning_content"] = message.ReasoningContent;
        }

        return dict;
    }

    private static object Content(IReadOnlyList<ChatContentPart> parts)
    {
        if (parts.Count == 0)
        {
            return string.Empty;
        }

        if (parts.Count == 1 && parts[0].Kind == ChatContentKind.Text)
        {
            return parts[0].Text!;
        }

        return parts.Select(part =>
        {
            var dict = new DictValue();
            switch (part.Kind)
            {
                case ChatContentKind.Text:
                    dict["type"] = "text";
                    dict["text"] = part.Text;
                    break;
                case ChatContentKind.Image:
                    dict["type"] = "image";
                    break;
                default:
                    dict["type"] = "video";
                    break;
            }

            return (object?)dict;
        }).ToList();
    }

    private static DictValue ToolCall(ChatToolCall call)
    {
        var function = new DictValue
        {
            ["name"] = call.Name,
            ["arguments"] = TemplateValueConverter.FromJson(call.Arguments),
        };
        var dict = new DictValue
        {
            ["type"] = "function",
            ["function"] = function,
        };

        if (call.Id is not null)
        {
            dict["id"] = call.Id;
        }

        return dict;
    }
}
