namespace Qrt.Runtime.Text.Tokenization.Decoders;

/// <summary>
/// A tokenizer.json decoder step: turns a list of token strings into another list (the reference's
/// decode_chain); the decoded text is the concatenation of the last list.
/// </summary>
internal interface ITokenDecoder
{
    List<string> DecodeChain(List<string> tokens);
}
