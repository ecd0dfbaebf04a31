namespace Qrt.Runtime.Text.Tokenization.PreTokenizers;

/// <summary>When Metaspace adds its replacement character in front of a piece.</summary>
internal enum PrependScheme
{
    /// <summary>In front of every piece that does not start with it.</summary>
    Always,

    /// <summary>Only in front of the piece that begins the input text.</summary>
    First,

    /// <summary>Never.</summary>
    Never,
}

/// <summary>
/// tokenizer.json's "Metaspace" (SentencePiece without the legacy normalizer): spaces become the replacement
/// character ("▁"), which is prepended per <see cref="PrependScheme" />, and optionally pieces are cut so each
/// starts at a replacement character.
/// </summary>
internal sealed class MetaspacePreTokenizer(char replacement, PrependScheme prependScheme, bool split) : IPreTokenizer
{
    private readonly string _replacement = replacement.ToString();

    public char Replacement => replacement;

    public PrependScheme PrependScheme => prependScheme;

    public void Split(PreToken piece, List<PreToken> output)
    {
        var text = piece.Text.Replace(" ", _replacement, StringComparison.Ordinal);
        var prepend = prependScheme switch
        {
            PrependScheme.Always => !text.StartsWith(replacement),
            PrependScheme.First => !text.StartsWith(replacement) && piece.AtOrigin,
            _ => false,
        };
        if (prepend)
        {
            text = _replacement + text;
        }

        if (!split)
        {
            output.Add(piece with { Text = text });
            return;
        }

        var matches = new List<(int Start, int Length)>();
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == replacement)
            {
                matches.Add((i, 1));
            }
        }

        DelimiterSplitter.Split(piece with { Text = text }, matches, SplitBehavior.MergedWithNext, invert: false, output);
    }
}
