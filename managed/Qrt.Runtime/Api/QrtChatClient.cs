using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;

namespace Qrt.Runtime;

/// <summary>
/// A <see cref="QrtModel" /> as a Microsoft.Extensions.AI <see cref="IChatClient" />. Conversations are rendered
/// with the model's chat template; <see cref="ChatOptions" /> Temperature, TopP, TopK, MaxOutputTokens,
/// StopSequences and Seed apply (unset ones keep the model's defaults, see <see cref="GenerationOptions" />);
/// responses report <see cref="UsageDetails" /> and a <see cref="ChatFinishReason" />. Only text content is
/// accepted for now. The client does not own the model: disposing it leaves the model loaded.
/// </summary>
public sealed class QrtChatClient : IChatClient
{
    private readonly QrtModel _model;
    private readonly ChatClientMetadata _metadata;

    /// <summary>Creates a chat client over <paramref name="model" />.</summary>
    public QrtChatClient(QrtModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
        ModelId = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(model.Directory)));
        _metadata = new ChatClientMetadata("qrt", providerUri: null, defaultModelId: ModelId);
    }

    /// <summary>The model's name: the name of its directory.</summary>
    public string ModelId { get; }

    /// <inheritdoc />
    public async Task<ChatResponse> GetResponseAsync(
        IEnumerable<AiChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var promptIds = _model.EncodeConversation(ChatClientMapping.ToTemplateMessages(messages, options));
        var generationOptions = ChatClientMapping.ToGenerationOptions(options);
        var result = await Task.Run(() => _model.GenerateTokens(promptIds, generationOptions, cancellationToken), cancellationToken)
            .ConfigureAwait(false);
        return new ChatResponse(new AiChatMessage(ChatRole.Assistant, result.Text))
        {
            ModelId = ModelId,
            CreatedAt = DateTimeOffset.UtcNow,
            FinishReason = ChatClientMapping.ToChatFinishReason(result.FinishReason),
            Usage = ChatClientMapping.ToUsage(result),
        };
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<AiChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var promptIds = _model.EncodeConversation(ChatClientMapping.ToTemplateMessages(messages, options));
        var responseId = Guid.NewGuid().ToString("N");
        var pieces = _model.StreamTokensAsync(promptIds, ChatClientMapping.ToGenerationOptions(options), cancellationToken);
        await foreach (var piece in pieces.ConfigureAwait(false))
        {
            if (piece.Completion is not { } result)
            {
                yield return Update(responseId, [new TextContent(piece.Text)]);
                continue;
            }

            // The last update carries the remaining text (if any), the usage and the finish reason.
            List<AIContent> contents = piece.Text.Length > 0 ? [new TextContent(piece.Text)] : [];
            contents.Add(new UsageContent(ChatClientMapping.ToUsage(result)));
            var last = Update(responseId, contents);
            last.FinishReason = ChatClientMapping.ToChatFinishReason(result.FinishReason);
            yield return last;
        }
    }

    /// <summary>
    /// The client's services: <see cref="ChatClientMetadata" /> (provider "qrt", the model id), the client itself, or
    /// the <see cref="QrtModel" /> behind it; null for anything else and for any service key.
    /// </summary>
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }

        if (serviceType == typeof(ChatClientMetadata))
        {
            return _metadata;
        }

        return serviceType.IsInstanceOfType(this) ? this : serviceType.IsInstanceOfType(_model) ? _model : null;
    }

    /// <summary>Does nothing: the model belongs to whoever loaded it.</summary>
    public void Dispose()
    {
    }

    private ChatResponseUpdate Update(string responseId, IList<AIContent> contents) => new(ChatRole.Assistant, contents)
    {
        ResponseId = responseId,
        MessageId = responseId,
        ModelId = ModelId,
        CreatedAt = DateTimeOffset.UtcNow,
    };
}
