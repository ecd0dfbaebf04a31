namespace Qrt.Runtime.Text.Tokenization.PreTokenizers;

/// <summary>A tokenizer.json pre-tokenizer: splits (and may rewrite) each piece into smaller pieces.</summary>
internal interface IPreTokenizer
{
    /// <summary>Appends to <paramref name="output" /> the pieces that <paramref name="piece" /> becomes.</summary>
    void Split(PreToken piece, List<PreToken> output);
}
