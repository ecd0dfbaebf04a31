namespace Qrt.Runtime.Tests.Text.Templates;

/// <summary>A named conversation for parity runs: messages (JSON), generation prompt flag, tools and extras (JSON).</summary>
internal sealed record ChatConversation(string Name, string Messages, bool AddGenerationPrompt, string? Tools = null, string? Extra = null)
{
    public override string ToString() => Name;

    /// <summary>Each conversation with and without the generation prompt.</summary>
    public static IEnumerable<ChatConversation> BothPromptModes(string name, string messages, string? tools = null, string? extra = null)
    {
        yield return new ChatConversation($"{name}, generation prompt", messages, true, tools, extra);
        yield return new ChatConversation($"{name}, no generation prompt", messages, false, tools, extra);
    }
}
