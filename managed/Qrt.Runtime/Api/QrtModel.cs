using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Qrt.Runtime.Generation;
using Qrt.Runtime.Models;
using Qrt.Runtime.Text;
using ChatMessage = Qrt.Runtime.Text.ChatMessage;

namespace Qrt.Runtime;

/// <summary>
/// A text model loaded from a Hugging Face model directory, ready to generate: from a raw prompt, from a
/// conversation rendered with the model's own chat template, streamed or whole, or through
/// <see cref="AsChatClient" /> as a Microsoft.Extensions.AI <see cref="IChatClient" />.
/// </summary>
/// <remarks>
/// Safe to use from several threads: requests are served one at a time, in the order they arrive. Dispose the
/// model to free its weights.
/// </remarks>
public sealed class QrtModel : IDisposable
{
    private readonly LoadedTextModel _loaded;
    private readonly TextGenerator _generator;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private bool _disposed;

    /// <summary>Wraps an already loaded model (tests inject a model of their own here).</summary>
    internal QrtModel(LoadedTextModel loaded)
    {
        ArgumentNullException.ThrowIfNull(loaded);
        _loaded = loaded;
        _generator = new TextGenerator(
            loaded.Model, loaded.Tokenizer, EndOfSequenceIds.From(loaded.Generation, loaded.Config, loaded.Tokenizer));
    }

    /// <summary>The model directory it was loaded from.</summary>
    public string Directory => _loaded.Directory;

    /// <summary>Architecture, size and storage scheme of each kind of layer.</summary>
    public ModelSummary Summary => _loaded.Summary;

    /// <summary>The model's tokenizer.</summary>
    public Tokenizer Tokenizer => _loaded.Tokenizer;

    /// <summary>Whether the model has a chat template (needed by <see cref="Chat" /> and the chat client).</summary>
    public bool HasChatTemplate => _loaded.ChatTemplate is not null;

    /// <summary>Most tokens per request, prompt and output together.</summary>
    public int MaxContextLength => _loaded.Model.MaxContextLength;

    /// <summary>
    /// Loads the model in <paramref name="directory" />: config.json, the safetensors weights, the tokenizer, and
    /// generation_config.json and the chat template when present.
    /// </summary>
    /// <exception cref="ModelFileException">A file is missing, malformed or describes an unsupported model; the message names it.</exception>
    public static QrtModel Load(string directory, QrtModelOptions? options = null) => LoadCore(directory, options, CancellationToken.None);

    /// <summary>Loads the model like <see cref="Load" />, on the thread pool; cancelling stops reading weights.</summary>
    public static Task<QrtModel> LoadAsync(string directory, QrtModelOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        return Task.Run(() => LoadCore(directory, options, cancellationToken), cancellationToken);
    }

    /// <summary>
    /// Generates a continuation of <paramref name="prompt" />, encoded with the tokenizer's special tokens (BOS
    /// where the tokenizer adds one) and no chat template.
    /// </summary>
    /// <exception cref="PromptTooLongException">The prompt leaves no room for a token and truncation was not asked for.</exception>
    /// <exception cref="OperationCanceledException">The request was cancelled; the model stays usable.</exception>
    public GenerationResult Generate(string prompt, GenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        return GenerateTokens(Tokenizer.Encode(prompt, addSpecialTokens: true), options, cancellationToken);
    }

    /// <summary><see cref="Generate" /> on the thread pool.</summary>
    public Task<GenerationResult> GenerateAsync(string prompt, GenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        return Task.Run(() => Generate(prompt, options, cancellationToken), cancellationToken);
    }

    /// <summary>
    /// Streams the continuation of <paramref name="prompt" /> (encoded as in <see cref="Generate" />) piece by
    /// piece; the last piece carries the whole <see cref="GeneratedPiece.Completion" />. Leaving the loop early
    /// ends the request.
    /// </summary>
    public IAsyncEnumerable<GeneratedPiece> StreamAsync(string prompt, GenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        return StreamTokensAsync(Tokenizer.Encode(prompt, addSpecialTokens: true), options, cancellationToken);
    }

    /// <summary>
    /// Answers a conversation: the messages are rendered with the model's chat template, ending with the start of
    /// an assistant turn, and encoded without adding special tokens (the template writes BOS and the like itself).
    /// </summary>
    /// <exception cref="InvalidOperationException">The model has no chat template.</exception>
    public GenerationResult Chat(IReadOnlyList<ChatMessage> messages, GenerationOptions? options = null, CancellationToken cancellationToken = default) =>
        GenerateTokens(EncodeConversation(messages), options, cancellationToken);

    /// <summary><see cref="Chat" /> on the thread pool.</summary>
    public Task<GenerationResult> ChatAsync(IReadOnlyList<ChatMessage> messages, GenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var promptIds = EncodeConversation(messages);
        return Task.Run(() => GenerateTokens(promptIds, options, cancellationToken), cancellationToken);
    }

    /// <summary>Streams the answer to a conversation, rendered and encoded as in <see cref="Chat" />.</summary>
    /// <exception cref="InvalidOperationException">The model has no chat template.</exception>
    public IAsyncEnumerable<GeneratedPiece> ChatStreamAsync(
        IReadOnlyList<ChatMessage> messages, GenerationOptions? options = null, CancellationToken cancellationToken = default) =>
        StreamTokensAsync(EncodeConversation(messages), options, cancellationToken);

    /// <summary>
    /// This model as a Microsoft.Extensions.AI chat client. The client does not own the model: disposing the
    /// client leaves the model loaded.
    /// </summary>
    public IChatClient AsChatClient() => new QrtChatClient(this);

    /// <summary>Frees the model's weights; waits for a request in progress to end.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _gate.Wait();
        try
        {
            _disposed = true;
            _loaded.Dispose();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Generates from prompt ids already encoded.</summary>
    internal GenerationResult GenerateTokens(int[] promptIds, GenerationOptions? options, CancellationToken cancellationToken)
    {
        var settings = GenerationSettings.Resolve(options, _loaded.Generation);
        _gate.Wait(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _generator.GenerateToEnd(promptIds, settings, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Streams from prompt ids already encoded. Each step runs on the thread pool, not on the consumer's thread.</summary>
    internal IAsyncEnumerable<GeneratedPiece> StreamTokensAsync(int[] promptIds, GenerationOptions? options, CancellationToken cancellationToken)
    {
        // Resolved now, so bad options throw at the call rather than at the first MoveNextAsync.
        var settings = GenerationSettings.Resolve(options, _loaded.Generation);
        return Stream(promptIds, settings, cancellationToken);
    }

    /// <summary>Renders <paramref name="messages" /> with the chat template and encodes them as transformers' apply_chat_template does.</summary>
    internal int[] EncodeConversation(IReadOnlyList<ChatMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var template = _loaded.ChatTemplate
            ?? throw new InvalidOperationException(
                $"the model in {_loaded.Directory} has no chat template (chat_template.jinja, chat_template.json or tokenizer_config.json's chat_template); generate from a raw prompt instead");
        return Tokenizer.Encode(template.Render(messages, addGenerationPrompt: true), addSpecialTokens: false);
    }

    private async IAsyncEnumerable<GeneratedPiece> Stream(
        int[] promptIds, GenerationSettings settings, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var pieces = _generator.Generate(promptIds, settings, cancellationToken).GetEnumerator();
            while (await Task.Run(pieces.MoveNext, CancellationToken.None).ConfigureAwait(false))
            {
                yield return pieces.Current;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private static QrtModel LoadCore(string directory, QrtModelOptions? options, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        options ??= new QrtModelOptions();
        if (options.MaxContextLength is { } maxContext)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(maxContext, 2, nameof(options.MaxContextLength));
        }

        if (!System.IO.Directory.Exists(directory))
        {
            throw new ModelFileException(directory, "model directory not found");
        }

        var device = options.Device switch
        {
            DeviceSelection.Cuda => Device.Cuda(0),
            _ => Device.Cpu,
        };
        return new QrtModel(TextModelLoader.Load(directory, device, options.MaxContextLength, options.Progress, cancellationToken));
    }
}
