using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Qrt.Runtime.Generation;
using Qrt.Runtime.Models;
using Qrt.Runtime.Models.Loading;
using Qrt.Runtime.Text;
using Qrt.Runtime.Vision;
using ChatMessage = Qrt.Runtime.Text.ChatMessage;

namespace Qrt.Runtime;

/// <summary>
/// A model loaded from a Hugging Face model directory, ready to generate: from a raw prompt, from a conversation
/// rendered with the model's own chat template, streamed or whole, or through <see cref="AsChatClient" /> as a
/// Microsoft.Extensions.AI <see cref="IChatClient" />. Vision-language models (Pixtral, Qwen2-VL) also take images:
/// image parts of chat messages, or a raw prompt with one <see cref="ImagePlaceholder" /> per image.
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

    /// <summary>Whether the model has an image encoder (a vision-language model).</summary>
    public bool SupportsImages => _loaded.Images is not null;

    /// <summary>
    /// What a raw prompt writes where an image goes ("[IMG]" for Pixtral, "&lt;|vision_start|&gt;&lt;|image_pad|&gt;&lt;|vision_end|&gt;"
    /// for Qwen2-VL); null for a text model. Chat messages need none: their image parts become placeholders.
    /// </summary>
    public string? ImagePlaceholder => _loaded.Images?.Placeholder;

    /// <summary>Most tokens per request, prompt and output together (image tokens included).</summary>
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
        return GenerateTokens(EncodeRaw(prompt, []), options, cancellationToken);
    }

    /// <summary>
    /// Generates a continuation of <paramref name="prompt" />, which marks where each of <paramref name="images" />
    /// goes with one <see cref="ImagePlaceholder" />, in order. Encoded as <see cref="Generate(string, GenerationOptions?, CancellationToken)" />.
    /// </summary>
    /// <exception cref="NotSupportedException">The model has no image encoder.</exception>
    /// <exception cref="ArgumentException">The prompt holds more or fewer placeholders than there are images.</exception>
    /// <exception cref="PromptTooLongException">The prompt with its image tokens leaves no room for a generated token.</exception>
    public GenerationResult Generate(string prompt, IReadOnlyList<RgbImage> images, GenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        return GenerateTokens(EncodeRaw(prompt, images), options, cancellationToken);
    }

    /// <summary><see cref="Generate(string, GenerationOptions?, CancellationToken)" /> on the thread pool.</summary>
    public Task<GenerationResult> GenerateAsync(string prompt, GenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        return Task.Run(() => Generate(prompt, options, cancellationToken), cancellationToken);
    }

    /// <summary><see cref="Generate(string, IReadOnlyList{RgbImage}, GenerationOptions?, CancellationToken)" /> on the thread pool.</summary>
    public Task<GenerationResult> GenerateAsync(
        string prompt, IReadOnlyList<RgbImage> images, GenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(images);
        return Task.Run(() => Generate(prompt, images, options, cancellationToken), cancellationToken);
    }

    /// <summary>
    /// Streams the continuation of <paramref name="prompt" /> (encoded as in <see cref="Generate(string, GenerationOptions?, CancellationToken)" />) piece by
    /// piece; the last piece carries the whole <see cref="GeneratedPiece.Completion" />. Leaving the loop early
    /// ends the request.
    /// </summary>
    public IAsyncEnumerable<GeneratedPiece> StreamAsync(string prompt, GenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        return StreamTokensAsync(EncodeRaw(prompt, []), options, cancellationToken);
    }

    /// <summary>
    /// Streams the continuation of <paramref name="prompt" /> with <paramref name="images" /> at its placeholders, as
    /// <see cref="Generate(string, IReadOnlyList{RgbImage}, GenerationOptions?, CancellationToken)" /> would generate it.
    /// </summary>
    public IAsyncEnumerable<GeneratedPiece> StreamAsync(
        string prompt, IReadOnlyList<RgbImage> images, GenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        return StreamTokensAsync(EncodeRaw(prompt, images), options, cancellationToken);
    }

    /// <summary>
    /// Answers a conversation: the messages are rendered with the model's chat template, ending with the start of
    /// an assistant turn, and encoded without adding special tokens (the template writes BOS and the like itself).
    /// Image parts (<see cref="ChatContentPart.FromImage" />) are encoded by a vision-language model in their place.
    /// </summary>
    /// <exception cref="InvalidOperationException">The model has no chat template.</exception>
    /// <exception cref="NotSupportedException">A message holds an image and the model has no image encoder, or holds a video.</exception>
    public GenerationResult Chat(IReadOnlyList<ChatMessage> messages, GenerationOptions? options = null, CancellationToken cancellationToken = default) =>
        GenerateTokens(EncodeConversation(messages), options, cancellationToken);

    /// <summary><see cref="Chat" /> on the thread pool.</summary>
    public Task<GenerationResult> ChatAsync(IReadOnlyList<ChatMessage> messages, GenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var request = EncodeConversation(messages);
        return Task.Run(() => GenerateTokens(request, options, cancellationToken), cancellationToken);
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

    /// <summary>Generates from a prompt already encoded.</summary>
    internal GenerationResult GenerateTokens(PromptRequest request, GenerationOptions? options, CancellationToken cancellationToken)
    {
        var settings = GenerationSettings.Resolve(options, _loaded.Generation);
        var prepared = Prepare(request);
        _gate.Wait(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return prepared.Images is null
                ? _generator.GenerateToEnd(prepared.Ids, settings, cancellationToken)
                : _generator.GenerateToEnd(prepared.Images, settings, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Streams from a prompt already encoded. Each step (the first with the image encoding) runs on the thread pool, not on the consumer's thread.</summary>
    internal IAsyncEnumerable<GeneratedPiece> StreamTokensAsync(PromptRequest request, GenerationOptions? options, CancellationToken cancellationToken)
    {
        // Resolved and checked now, so bad options or a prompt that cannot fit throw at the call rather than at the first MoveNextAsync.
        var settings = GenerationSettings.Resolve(options, _loaded.Generation);
        return Stream(Prepare(request), settings, cancellationToken);
    }

    /// <summary>Renders <paramref name="messages" /> with the chat template and encodes them as transformers' apply_chat_template does.</summary>
    internal PromptRequest EncodeConversation(IReadOnlyList<ChatMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var images = new List<RgbImage>();
        var parts = messages.SelectMany(message => message?.Parts ?? []).ToList();
        if (parts.Any(part => part.Kind == ChatContentKind.Video))
        {
            throw new NotSupportedException("video parts are not supported; pass the frames as images");
        }

        foreach (var part in parts.Where(part => part.Kind == ChatContentKind.Image))
        {
            RequireVision();
            images.Add(part.ImageData ?? throw new ArgumentException(
                "an image part has no picture (ChatContentPart.Image() is a bare placeholder); make it with ChatContentPart.FromImage or FromImageFile",
                nameof(messages)));
        }

        var template = _loaded.ChatTemplate
            ?? throw new InvalidOperationException(
                $"the model in {_loaded.Directory} has no chat template (chat_template.jinja, chat_template.json or tokenizer_config.json's chat_template); generate from a raw prompt instead");
        return new PromptRequest(Tokenizer.Encode(template.Render(messages, addGenerationPrompt: true), addSpecialTokens: false), images);
    }

    /// <summary>Encodes a raw prompt with the tokenizer's special tokens.</summary>
    private PromptRequest EncodeRaw(string prompt, IReadOnlyList<RgbImage> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Count > 0)
        {
            RequireVision();
        }

        return new PromptRequest(Tokenizer.Encode(prompt, addSpecialTokens: true), images);
    }

    private void RequireVision()
    {
        if (_loaded.Images is null)
        {
            throw new NotSupportedException(
                $"the model in {_loaded.Directory} ({Summary.Architecture}) has no image encoder and cannot take images; use a vision-language model (Pixtral in Llava form, Qwen2-VL)");
        }
    }

    /// <summary>
    /// Expands a vision-language prompt's placeholders and preprocesses its images (reading no model weights, so
    /// outside the request gate), and checks that the image tokens fit the context before the encoder runs.
    /// </summary>
    private PreparedPrompt Prepare(PromptRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (_loaded.Images is not { } encoder)
        {
            return new PreparedPrompt(request.Ids, null);
        }

        // Without images the prompt is still checked for stray placeholders, and stays plain text that may be truncated.
        var prompt = encoder.Prepare(request.Ids, request.Images);
        if (request.Images.Count == 0)
        {
            return new PreparedPrompt(request.Ids, null);
        }

        _generator.CheckFits(prompt.Tokens.Length, request.Images.Count);
        return new PreparedPrompt(prompt.Tokens, prompt);
    }

    private async IAsyncEnumerable<GeneratedPiece> Stream(
        PreparedPrompt prompt, GenerationSettings settings, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var pieces = Pieces(prompt, settings, cancellationToken).GetEnumerator();
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

    /// <summary>The generation's pieces; images are encoded when the first piece is asked for.</summary>
    private IEnumerable<GeneratedPiece> Pieces(PreparedPrompt prompt, GenerationSettings settings, CancellationToken cancellationToken) =>
        prompt.Images is null
            ? _generator.Generate(prompt.Ids, settings, cancellationToken)
            : _generator.Generate(prompt.Images, settings, cancellationToken);

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
        var memory = new DeviceMemoryOptions(options.GpuMemoryUtilization, options.MaxStepTokens);
        return new QrtModel(TextModelLoader.Load(
            directory, device, options.MaxContextLength, memory, options.Progress, KernelLinearFactory.Instance, cancellationToken));
    }
}
