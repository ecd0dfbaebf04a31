using Qrt.Runtime.Models.Decoder;

namespace Qrt.Runtime.Models;

/// <summary>
/// A loaded decoder-only language model, as the generation loop sees it: a vocabulary, a context limit, and
/// sequences that take tokens and give back the next token's logits. Implementations keep one KV cache per
/// sequence; several sequences may exist at once, but calls into one model are not concurrent.
/// </summary>
internal interface ICausalLanguageModel : IDisposable
{
    /// <summary>Number of logits per position (the LM head's rows).</summary>
    int VocabularySize { get; }

    /// <summary>The most tokens one sequence may hold (prompt and generated together).</summary>
    int MaxContextLength { get; }

    /// <summary>Starts an empty sequence with its own KV cache.</summary>
    IModelSequence StartSequence();
}

/// <summary>One sequence's state in a <see cref="ICausalLanguageModel"/>: its tokens so far and their keys and values.</summary>
internal interface IModelSequence : IDisposable
{
    /// <summary>Tokens processed so far.</summary>
    int Length { get; }

    /// <summary>
    /// Runs <paramref name="tokens"/> at positions [Length, Length + n) through the model, appends their keys and
    /// values to the cache, and returns the FP32 logits [VocabularySize] of the last one. Throws
    /// <see cref="ArgumentException"/> when the tokens would not fit in <see cref="ICausalLanguageModel.MaxContextLength"/>
    /// or an id is outside the vocabulary. After cancellation (<see cref="OperationCanceledException"/>) the
    /// sequence is unusable and must be disposed; the model stays usable.
    /// </summary>
    float[] Append(ReadOnlySpan<int> tokens, CancellationToken cancellationToken = default);

    /// <summary>
    /// As <see cref="Append(ReadOnlySpan{int}, CancellationToken)"/>, with the extras of a vision-language prompt:
    /// embeddings that replace some tokens' (image features) and M-RoPE positions. A model without such inputs takes
    /// only plain tokens.
    /// </summary>
    /// <summary>
    /// As <see cref="Append(DecoderInput, CancellationToken)"/>, then chooses the next token with
    /// <paramref name="sampler"/>. A model on a GPU draws it there (the same distribution) and reads back only the id;
    /// by default the logits come back and the host sampler draws.
    /// </summary>
    int AppendAndSample(DecoderInput input, Generation.TokenSampler sampler, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sampler);
        return sampler.Sample(Append(input, cancellationToken));
    }

    float[] Append(DecoderInput input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.Embeddings is null && input.RotaryPositions is null
            ? Append(input.Tokens, cancellationToken)
            : throw new NotSupportedException("this model takes token ids only; it has no image inputs or multimodal rotary positions");
    }
}
