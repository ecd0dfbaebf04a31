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
}
