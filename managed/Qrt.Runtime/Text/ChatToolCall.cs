using System.Text.Json;

namespace Qrt.Runtime.Text;

/// <summary>
/// A function call made by the assistant. In the chat template it is
/// <c>{"type": "function", "function": {"name": ..., "arguments": ...}, "id": ...}</c>, with the arguments as a
/// JSON object (not a string) as transformers expects; <c>id</c> is present only when given.
/// </summary>
public sealed class ChatToolCall
{
    /// <summary>Creates a call of <paramref name="name" /> with <paramref name="arguments" /> (usually a JSON object).</summary>
    public ChatToolCall(string name, JsonElement arguments, string? id = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
        Arguments = arguments.Clone();
        Id = id;
    }

    /// <summary>The function's name.</summary>
    public string Name { get; }

    /// <summary>The arguments, as JSON.</summary>
    public JsonElement Arguments { get; }

    /// <summary>The call's id, which the tool's answer refers to; null when the format has none.</summary>
    public string? Id { get; }
}
