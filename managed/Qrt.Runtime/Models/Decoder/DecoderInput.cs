namespace Qrt.Runtime.Models.Decoder;

/// <summary>
/// What one step feeds a <see cref="DecoderModel"/> beyond token ids, for vision-language models: rows that
/// replace the token embeddings at some positions (image features at the image-token positions, as Llava's
/// masked_scatter does), and, for M-RoPE models, each token's three rotary positions.
/// </summary>
/// <param name="Tokens">The new tokens' ids (image positions keep their placeholder ids).</param>
internal sealed record DecoderInput(int[] Tokens)
{
    /// <summary>F32 rows [n · hidden] that replace the embeddings of the tokens at <see cref="EmbeddingPositions"/>.</summary>
    public float[]? Embeddings { get; init; }

    /// <summary>The indices, within <see cref="Tokens"/>, whose embeddings <see cref="Embeddings"/> replaces, in row order.</summary>
    public int[]? EmbeddingPositions { get; init; }

    /// <summary>
    /// M-RoPE positions [3][T] (temporal, height, width) of the new tokens; null for the default: every axis at the
    /// token's index in the sequence plus the sequence's rope delta. Only for models with an mrope_section.
    /// </summary>
    public int[][]? RotaryPositions { get; init; }

    /// <summary>
    /// Tokens [start, start + count) with their replacement rows (each <paramref name="hidden"/> values wide) and
    /// rotary positions: one chunk of a prompt prefilled in several steps.
    /// </summary>
    public DecoderInput Slice(int start, int count, int hidden)
    {
        if (start == 0 && count == Tokens.Length)
        {
            return this;
        }

        float[]? rows = null;
        int[]? positions = null;
        if (Embeddings is not null)
        {
            var kept = Enumerable.Range(0, EmbeddingPositions!.Length)
                .Where(i => EmbeddingPositions[i] >= start && EmbeddingPositions[i] < start + count)
                .ToArray();
            positions = [.. kept.Select(i => EmbeddingPositions[i] - start)];
            rows = new float[kept.Length * hidden];
            for (var r = 0; r < kept.Length; r++)
            {
                Embeddings.AsSpan(kept[r] * hidden, hidden).CopyTo(rows.AsSpan(r * hidden));
            }
        }

        return new DecoderInput(Tokens[start..(start + count)])
        {
            Embeddings = rows is { Length: > 0 } ? rows : null,
            EmbeddingPositions = rows is { Length: > 0 } ? positions : null,
            RotaryPositions = RotaryPositions?.Select(axis => axis[start..(start + count)]).ToArray(),
        };
    }
}
