namespace Qrt.Runtime.Text.Tokenization.Normalizers;

/// <summary>Prepends a fixed string (SentencePiece's "▁") to every non-empty text.</summary>
internal sealed class PrependNormalizer(string prefix) : INormalizer
{
    public string Normalize(string text) => text.Length == 0 ? text : prefix + text;
}
