using System.Diagnostics;
using System.Globalization;
using System.Text;
using Qrt.Runtime.Models;
using Qrt.Runtime.Models.Decoder;
using Qrt.Runtime.Models.Multimodal;
using Qrt.Runtime.Text;

namespace Qrt.Runtime.Generation;

/// <summary>
/// The decode loop: one prefill of the prompt, then one token at a time — sample, check for the end, detokenize,
/// match stop strings, append — streaming the text as it becomes certain. Each call runs in its own model
/// sequence, disposed however the call ends, so a cancelled or failed request leaves the model usable.
/// Calls must not overlap (<see cref="ICausalLanguageModel" /> is not concurrent); the caller serialises them.
/// </summary>
internal sealed class TextGenerator(ICausalLanguageModel model, Tokenizer tokenizer, IReadOnlySet<int> endOfSequenceIds)
{
    /// <summary>
    /// Checks the prompt against the context (truncating it if the settings ask for that) and returns the pieces
    /// of the generation, computed as they are enumerated; the last piece carries the
    /// <see cref="GeneratedPiece.Completion" />. Disposing the enumerator early ends the request and frees its sequence.
    /// </summary>
    /// <exception cref="PromptTooLongException">The prompt leaves no room for a token and truncation was not asked for.</exception>
    /// <exception cref="ArgumentException">The prompt has no tokens.</exception>
    public IEnumerable<GeneratedPiece> Generate(int[] promptIds, GenerationSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(promptIds);
        ArgumentNullException.ThrowIfNull(settings);
        RequireTokens(promptIds.Length, nameof(promptIds));
        var limit = model.MaxContextLength;
        if (promptIds.Length >= limit)
        {
            if (!settings.TruncatePrompt)
            {
                throw new PromptTooLongException(promptIds.Length, limit);
            }

            promptIds = promptIds[^Math.Max(limit - settings.MaxTokens, 1)..];
        }

        return Run(promptIds, null, settings, cancellationToken);
    }

    /// <summary>
    /// As <see cref="Generate(int[], GenerationSettings, CancellationToken)"/> for a prompt with images, which cannot
    /// be truncated: it must fit as it is (see <see cref="CheckFits"/>). The images are encoded when the first piece is
    /// asked for, as part of the request's time (<see cref="GenerationTimings.ImageEncodingSeconds"/>).
    /// </summary>
    public IEnumerable<GeneratedPiece> Generate(IImagePrompt prompt, GenerationSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(settings);
        RequireTokens(prompt.Tokens.Length, nameof(prompt));
        CheckFits(prompt.Tokens.Length, imageCount: 0);
        return Run(prompt.Tokens, prompt, settings, cancellationToken);
    }

    /// <summary>
    /// Throws <see cref="PromptTooLongException"/> when a prompt of <paramref name="promptLength"/> tokens, holding
    /// <paramref name="imageCount"/> images whose tokens cannot be cut, leaves no room for a generated token.
    /// </summary>
    public void CheckFits(int promptLength, int imageCount)
    {
        var limit = model.MaxContextLength;
        if (promptLength < limit)
        {
            return;
        }

        throw imageCount == 0
            ? new PromptTooLongException(promptLength, limit)
            : new PromptTooLongException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"the prompt with its {imageCount} image(s) takes {promptLength} tokens but the context holds {limit}, leaving no room for a generated token; use fewer or smaller images, or a longer context"),
                promptLength,
                limit);
    }

    /// <summary>Runs <see cref="Generate(int[], GenerationSettings, CancellationToken)" /> to the end and returns its result.</summary>
    public GenerationResult GenerateToEnd(int[] promptIds, GenerationSettings settings, CancellationToken cancellationToken) =>
        Last(Generate(promptIds, settings, cancellationToken));

    /// <summary>Runs <see cref="Generate(IImagePrompt, GenerationSettings, CancellationToken)" /> to the end and returns its result.</summary>
    public GenerationResult GenerateToEnd(IImagePrompt prompt, GenerationSettings settings, CancellationToken cancellationToken) =>
        Last(Generate(prompt, settings, cancellationToken));

    private static GenerationResult Last(IEnumerable<GeneratedPiece> pieces)
    {
        GenerationResult? result = null;
        foreach (var piece in pieces)
        {
            result = piece.Completion;
        }

        return result ?? throw new InvalidOperationException("generation ended without a result");
    }

    private static void RequireTokens(int count, string parameter)
    {
        if (count == 0)
        {
            throw new ArgumentException("the prompt has no tokens; generation needs at least one to continue from", parameter);
        }
    }

    private IEnumerable<GeneratedPiece> Run(int[] promptIds, IImagePrompt? images, GenerationSettings settings, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var sampler = new TokenSampler(settings.Sampling);
        var stopMatcher = new StopSequenceMatcher(settings.StopSequences);
        // Special tokens (end-of-turn markers and the like) are not shown, as vLLM's skip_special_tokens default.
        var detokenizer = tokenizer.CreateStreamingDetokenizer(skipSpecialTokens: true);
        detokenizer.AddContext(promptIds);

        var output = new List<int>();
        var pendingIds = new List<int>();
        var text = new StringBuilder();
        var imageSeconds = 0.0;
        var prefillSeconds = 0.0;
        var firstTokenSeconds = 0.0;
        FinishReason finishReason;
        string tail;

        using (var sequence = model.StartSequence())
        {
            cancellationToken.ThrowIfCancellationRequested();
            var input = images?.Encode(cancellationToken) ?? new DecoderInput(promptIds);
            imageSeconds = clock.Elapsed.TotalSeconds;
            var token = sequence.AppendAndSample(input, sampler, cancellationToken);
            prefillSeconds = clock.Elapsed.TotalSeconds - imageSeconds;
            while (true)
            {
                if (output.Count == 0)
                {
                    firstTokenSeconds = clock.Elapsed.TotalSeconds;
                }

                output.Add(token);
                pendingIds.Add(token);
                if (!settings.IgnoreEndOfSequence && endOfSequenceIds.Contains(token))
                {
                    finishReason = FinishReason.EndOfSequence;
                    tail = Finish(detokenizer, stopMatcher, ref finishReason);
                    break;
                }

                var visible = stopMatcher.Append(detokenizer.Push(token));
                if (stopMatcher.Stopped)
                {
                    finishReason = FinishReason.StopSequence;
                    tail = visible;
                    break;
                }

                if (visible.Length > 0)
                {
                    text.Append(visible);
                    yield return new GeneratedPiece(visible, [.. pendingIds]);
                    pendingIds.Clear();
                }

                if (output.Count >= settings.MaxTokens || promptIds.Length + output.Count >= model.MaxContextLength)
                {
                    finishReason = FinishReason.Length;
                    tail = Finish(detokenizer, stopMatcher, ref finishReason);
                    break;
                }

                cancellationToken.ThrowIfCancellationRequested();
                token = sequence.AppendAndSample(new DecoderInput([token]), sampler, cancellationToken);
            }
        }

        text.Append(tail);
        var timings = new GenerationTimings(promptIds.Length, output.Count, prefillSeconds, firstTokenSeconds, clock.Elapsed.TotalSeconds)
        {
            ImageEncodingSeconds = images is null ? 0 : imageSeconds,
        };
        var result = new GenerationResult(text.ToString(), promptIds, [.. output], finishReason, timings);
        yield return new GeneratedPiece(tail, [.. pendingIds]) { Completion = result };
    }

    /// <summary>
    /// The text still held back when generation ends for another reason than a stop string: the detokenizer's
    /// tail, which may itself complete a stop string (then that is the reason).
    /// </summary>
    private static string Finish(StreamingDetokenizer detokenizer, StopSequenceMatcher stopMatcher, ref FinishReason finishReason)
    {
        var tail = stopMatcher.Append(detokenizer.Flush());
        if (stopMatcher.Stopped)
        {
            finishReason = FinishReason.StopSequence;
            return tail;
        }

        return tail + stopMatcher.Flush();
    }
}
