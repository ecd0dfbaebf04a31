using System.Text;

namespace Qrt.Runtime.Text.Tokenization.PreTokenizers;

/// <summary>
/// tokenizer.json's "ByteLevel": optionally prefixes a space and splits with GPT-2's regex, then rewrites each
/// piece's UTF-8 bytes as <see cref="ByteLevelAlphabet" /> characters, the alphabet of byte-level vocabularies.
/// </summary>
internal sealed class ByteLevelPreTokenizer(bool addPrefixSpace, bool useRegex) : IPreTokenizer
{
    private const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    private static readonly Lazy<SplitPreTokenizer> Gpt2Split = new(() =>
        new SplitPreTokenizer(TextPattern.Regex(Gpt2Pattern), SplitBehavior.Isolated, invert: false));

    [ThreadStatic]
    private static List<PreToken>? _pieces;

    /// <summary>Whether this step only rewrites pieces into the byte-level alphabet (no prefix space, no regex).</summary>
    public bool IsAlphabetOnly => !addPrefixSpace && !useRegex;

    public void Split(PreToken piece, List<PreToken> output)
    {
        if (addPrefixSpace && !piece.Text.StartsWith(' '))
        {
            piece = piece with { Text = " " + piece.Text };
        }

        if (!useRegex)
        {
            output.Add(piece with { Text = ToByteLevel(piece.Text) });
            return;
        }

        var pieces = _pieces ??= [];
        pieces.Clear();
        Gpt2Split.Value.Split(piece, pieces);
        foreach (var part in pieces)
        {
            output.Add(part with { Text = ToByteLevel(part.Text) });
        }
    }

    /// <summary>The byte-level spelling of <paramref name="text" />: one character per UTF-8 byte.</summary>
    public static string ToByteLevel(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        return string.Create(bytes.Length, bytes, static (chars, utf8) => ByteLevelAlphabet.Spell(utf8, chars));
    }
}
