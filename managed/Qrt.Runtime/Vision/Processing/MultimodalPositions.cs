namespace Qrt.Runtime.Vision.Processing;

/// <summary>
/// M-RoPE position ids of a prompt: three per token (temporal, height, width), and the offset that continues them
/// during decoding.
/// </summary>
/// <param name="Temporal">Temporal position of each prompt token.</param>
/// <param name="Height">Height position of each prompt token.</param>
/// <param name="Width">Width position of each prompt token.</param>
/// <param name="RopeDelta">Largest prompt position + 1 − prompt length (0 for text only, negative with images).</param>
internal sealed record MultimodalPositions(int[] Temporal, int[] Height, int[] Width, int RopeDelta)
{
    /// <summary>
    /// The position, the same on all three axes, of the token at sequence index <paramref name="tokenIndex" />
    /// (0-based, counting the prompt) when it is decoded after the prompt: index + <see cref="RopeDelta" />.
    /// </summary>
    public int DecodePosition(int tokenIndex) => tokenIndex + RopeDelta;
}
