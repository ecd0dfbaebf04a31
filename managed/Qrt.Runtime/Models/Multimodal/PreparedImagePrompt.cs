using Qrt.Runtime.Models.Decoder;

namespace Qrt.Runtime.Models.Multimodal;

/// <summary>An expanded prompt whose encoding is deferred to <paramref name="encode"/>.</summary>
internal sealed class PreparedImagePrompt(int[] tokens, Func<CancellationToken, DecoderInput> encode) : IImagePrompt
{
    /// <inheritdoc />
    public int[] Tokens => tokens;

    /// <inheritdoc />
    public DecoderInput Encode(CancellationToken cancellationToken) => encode(cancellationToken);
}
