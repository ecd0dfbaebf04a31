using Microsoft.Extensions.AI;
using Qrt.Runtime.Text;
using Qrt.Runtime.Vision.Images;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;
using ChatMessage = Qrt.Runtime.Text.ChatMessage;

namespace Qrt.Runtime;

/// <summary>Translations between Microsoft.Extensions.AI's chat types and Qrt's.</summary>
internal static class ChatClientMapping
{
    /// <summary>
    /// Messages as the chat template sees them: the role's own string ("system", "user", "assistant", "tool", or
    /// any other a caller made), the text parts, and the image parts (<see cref="DataContent" /> with an image/*
    /// media type, decoded here). <see cref="ChatOptions.Instructions" />, when set, comes first as a system message.
    /// </summary>
    /// <exception cref="NotSupportedException">A message holds content other than text and image data (a URI to fetch, audio, a function call).</exception>
    /// <exception cref="Vision.Images.ImageFormatException">Image data cannot be decoded.</exception>
    public static List<ChatMessage> ToTemplateMessages(IEnumerable<AiChatMessage> messages, ChatOptions? options)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var converted = new List<ChatMessage>();
        if (!string.IsNullOrEmpty(options?.Instructions))
        {
            converted.Add(ChatMessage.System(options.Instructions));
        }

        foreach (var message in messages)
        {
            ArgumentNullException.ThrowIfNull(message, nameof(messages));
            var parts = new List<ChatContentPart>();
            foreach (var content in message.Contents)
            {
                parts.Add(content switch
                {
                    TextContent text => ChatContentPart.FromText(text.Text),
                    DataContent data when data.HasTopLevelMediaType("image") =>
                        ChatContentPart.FromImage(ImageDecoder.Decode(data.Data.Span, data.Name ?? $"{data.MediaType} data")),
                    _ => throw new NotSupportedException(
                        $"a {message.Role.Value} message holds {Describe(content)}; only text (TextContent) and image data (DataContent with an image/* media type) are supported"),
                });
            }

            converted.Add(new ChatMessage(message.Role.Value, parts) { Name = message.AuthorName });
        }

        return converted;
    }

    private static string Describe(AIContent content) => content switch
    {
        DataContent data => $"{data.MediaType} data",
        UriContent uri => $"a {uri.MediaType} link ({uri.Uri}), which is not fetched; pass the bytes as DataContent",
        _ => content.GetType().Name,
    };

    /// <summary>
    /// <see cref="ChatOptions" /> as <see cref="GenerationOptions" />: Temperature, TopP, TopK, MaxOutputTokens,
    /// StopSequences and Seed; an option left null keeps the model's default.
    /// </summary>
    public static GenerationOptions ToGenerationOptions(ChatOptions? options)
    {
        if (options is null)
        {
            return new GenerationOptions();
        }

        return new GenerationOptions
        {
            Temperature = options.Temperature,
            TopP = options.TopP,
            TopK = options.TopK,
            MaxTokens = options.MaxOutputTokens ?? GenerationOptions.DefaultMaxTokens,
            StopSequences = options.StopSequences is { } stops ? [.. stops] : null,
            // The seed's 64 bits are used as they are; negative seeds are as good as any other.
            Seed = options.Seed is { } seed ? unchecked((ulong)seed) : null,
        };
    }

    /// <summary>The abstractions' finish reason: a natural end (end of sequence or a stop string) is Stop.</summary>
    public static ChatFinishReason ToChatFinishReason(FinishReason reason) =>
        reason == FinishReason.Length ? ChatFinishReason.Length : ChatFinishReason.Stop;

    /// <summary>Token counts of a finished request.</summary>
    public static UsageDetails ToUsage(GenerationResult result) => new()
    {
        InputTokenCount = result.PromptTokenIds.Count,
        OutputTokenCount = result.OutputTokenIds.Count,
        TotalTokenCount = result.PromptTokenIds.Count + result.OutputTokenIds.Count,
    };
}
