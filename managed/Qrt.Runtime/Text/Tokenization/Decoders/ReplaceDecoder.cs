namespace Qrt.Runtime.Text.Tokenization.Decoders;

/// <summary>Replaces a pattern in every token ("▁" → " " for SentencePiece vocabularies).</summary>
internal sealed class ReplaceDecoder(TextPattern pattern, string content) : ITokenDecoder
{
    public List<string> DecodeChain(List<string> tokens) => tokens.ConvertAll(token => pattern.ReplaceAll(token, content));
}
