namespace Qrt.Runtime.Text.Tokenization.Decoders;

/// <summary>Joins all tokens into one, so later steps (Strip) see the whole text.</summary>
internal sealed class FuseDecoder : ITokenDecoder
{
    public List<string> DecodeChain(List<string> tokens) => [string.Concat(tokens)];
}
