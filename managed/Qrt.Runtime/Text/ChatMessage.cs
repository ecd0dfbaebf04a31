using Qrt.Runtime.Vision;

namespace Qrt.Runtime.Text;

/// <summary>
/// One message of a conversation, as a chat template sees it.
/// </summary>
/// <remarks>
/// In the template the message is a dict with <c>role</c> and <c>content</c>, plus <c>tool_calls</c>,
/// <c>tool_call_id</c>, <c>name</c> and <c>reasoning_content</c> only when set (so <c>is defined</c> tests in
/// templates behave as with transformers). <c>content</c> follows this rule:
/// <list type="bullet">
/// <item>a message whose only part is text gets that text as a string;</item>
/// <item>a message without parts (an assistant turn that only calls tools) gets the empty string;</item>
/// <item>any other message (images, videos, or several parts) gets a list of part dicts:
/// <c>{"type": "text", "text": ...}</c>, <c>{"type": "image"}</c>, <c>{"type": "video"}</c>.</item>
/// </list>
/// </remarks>
public sealed class ChatMessage
{
    /// <summary>Creates a message of <paramref name="role" /> ("system", "user", "assistant", "tool", ...).</summary>
    public ChatMessage(string role, IReadOnlyList<ChatContentPart> parts)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(role);
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Any(part => part is null))
        {
            throw new ArgumentException("content parts must not be null", nameof(parts));
        }

        Role = role;
        Parts = [.. parts];
    }

    /// <summary>The speaker: "system", "user", "assistant" or "tool" (templates may know others).</summary>
    public string Role { get; }

    /// <summary>The content: text, image and video parts in order.</summary>
    public IReadOnlyList<ChatContentPart> Parts { get; }

    /// <summary>Function calls made by an assistant message.</summary>
    public IReadOnlyList<ChatToolCall> ToolCalls { get; init; } = [];

    /// <summary>For a tool message: the id of the call it answers.</summary>
    public string? ToolCallId { get; init; }

    /// <summary>For a tool message: the function's name (some templates print it).</summary>
    public string? Name { get; init; }

    /// <summary>For an assistant message: its reasoning, which templates such as Qwen3's render in a think block.</summary>
    public string? ReasoningContent { get; init; }

    /// <summary>A system message.</summary>
    public static ChatMessage System(string text) => new("system", [ChatContentPart.FromText(text)]);

    /// <summary>A user message with text only.</summary>
    public static ChatMessage User(string text) => new("user", [ChatContentPart.FromText(text)]);

    /// <summary>A user message showing <paramref name="images" /> and then asking <paramref name="text" />, the order vision-language model cards use.</summary>
    public static ChatMessage User(string text, IReadOnlyList<RgbImage> images)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(images);
        return new("user", [.. images.Select(ChatContentPart.FromImage), ChatContentPart.FromText(text)]);
    }

    /// <summary>A user message with text, image and video parts.</summary>
    public static ChatMessage User(params ChatContentPart[] parts) => new("user", parts);

    /// <summary>An assistant message with text.</summary>
    public static ChatMessage Assistant(string text) => new("assistant", [ChatContentPart.FromText(text)]);

    /// <summary>An assistant message that calls tools (and says nothing).</summary>
    public static ChatMessage Assistant(IReadOnlyList<ChatToolCall> toolCalls)
    {
        ArgumentNullException.ThrowIfNull(toolCalls);
        return new ChatMessage("assistant", []) { ToolCalls = toolCalls };
    }

    /// <summary>A tool's answer to the call <paramref name="toolCallId" />.</summary>
    public static ChatMessage Tool(string content, string? toolCallId = null, string? name = null)
        => new("tool", [ChatContentPart.FromText(content)]) { ToolCallId = toolCallId, Name = name };
}
