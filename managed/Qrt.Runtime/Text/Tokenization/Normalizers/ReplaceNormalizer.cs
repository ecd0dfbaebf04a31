namespace Qrt.Runtime.Text.Tokenization.Normalizers;

/// <summary>Replaces every match of a literal or regex pattern (SentencePiece's " " → "▁").</summary>
internal sealed class ReplaceNormalizer(TextPattern pattern, string content) : INormalizer
{
    public string Normalize(string text) => pattern.ReplaceAll(text, content);
}
