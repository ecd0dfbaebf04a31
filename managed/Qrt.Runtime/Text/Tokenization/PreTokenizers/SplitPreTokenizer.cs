namespace Qrt.Runtime.Text.Tokenization.PreTokenizers;

/// <summary>tokenizer.json's "Split": cuts pieces at the matches of a literal or regex pattern.</summary>
internal sealed class SplitPreTokenizer(TextPattern pattern, SplitBehavior behavior, bool invert) : IPreTokenizer
{
    [ThreadStatic]
    private static List<(int Start, int Length)>? _matches;

    public TextPattern Pattern => pattern;

    /// <summary>Whether this split keeps every match and every gap as a piece of its own.</summary>
    public bool IsPlainIsolated => behavior == SplitBehavior.Isolated && !invert;

    public void Split(PreToken piece, List<PreToken> output)
    {
        var matches = _matches ??= [];
        matches.Clear();
        pattern.FindMatches(piece.Text, matches);
        DelimiterSplitter.Split(piece, matches, behavior, invert, output);
    }
}
