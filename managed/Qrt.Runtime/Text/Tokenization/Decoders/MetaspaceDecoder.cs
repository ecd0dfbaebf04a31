using Qrt.Runtime.Text.Tokenization.PreTokenizers;

namespace Qrt.Runtime.Text.Tokenization.Decoders;

/// <summary>
/// Turns the replacement character back into spaces; in the first token it is dropped instead (unless the
/// prepend scheme is "never"), which removes the space SentencePiece put in front of the text.
/// </summary>
internal sealed class MetaspaceDecoder(char replacement, PrependScheme prependScheme) : ITokenDecoder
{
    public List<string> DecodeChain(List<string> tokens)
    {
        var result = new List<string>(tokens.Count);
        for (var i = 0; i < tokens.Count; i++)
        {
            var drop = i == 0 && prependScheme != PrependScheme.Never;
            result.Add(drop
                ? tokens[i].Replace(replacement.ToString(), string.Empty, StringComparison.Ordinal)
                : tokens[i].Replace(replacement, ' '));
        }

        return result;
    }
}
