namespace Qrt.Runtime.Text.Tokenization.PreTokenizers;

/// <summary>
/// An isolating regex split followed by the byte-level alphabet, fused: the words are spans of the text (every
/// match and every gap between matches), handed to the model as they are and spelled in the byte-level alphabet
/// there, so the common case allocates nothing per word.
/// </summary>
internal sealed class ByteLevelWordSplitter(TextPattern pattern) : IPreTokenizer
{
    [ThreadStatic]
    private static List<(int Start, int Length)>? _matches;

    /// <summary>Appends the (start, length) of each word of <paramref name="text" />, in order, covering it.</summary>
    public void FindWords(string text, List<(int Start, int Length)> words)
    {
        var matches = _matches ??= [];
        matches.Clear();
        pattern.FindMatches(text, matches);
        var position = 0;
        foreach (var (start, length) in matches)
        {
            if (start > position)
            {
                words.Add((position, start - position));
            }

            words.Add((start, length));
            position = start + length;
        }

        if (position < text.Length)
        {
            words.Add((position, text.Length - position));
        }
    }

    /// <summary>The unfused form: the words, each rewritten in the byte-level alphabet.</summary>
    public void Split(PreToken piece, List<PreToken> output)
    {
        var words = new List<(int Start, int Length)>();
        FindWords(piece.Text, words);
        foreach (var (start, length) in words)
        {
            output.Add(new PreToken(ByteLevelPreTokenizer.ToByteLevel(piece.Text.Substring(start, length)), piece.AtOrigin && start == 0));
        }
    }
}
