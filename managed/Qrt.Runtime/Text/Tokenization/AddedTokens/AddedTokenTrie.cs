namespace Qrt.Runtime.Text.Tokenization.AddedTokens;

/// <summary>
/// Finds added tokens in text with leftmost-longest semantics: the match that starts first wins, and of the
/// matches starting there the longest.
/// </summary>
internal sealed class AddedTokenTrie
{
    private readonly List<Dictionary<char, int>> _children = [new()];
    private readonly List<AddedToken?> _terminal = [null];
    private readonly bool[] _isFirstChar = new bool[char.MaxValue + 1];

    public bool IsEmpty => _children[0].Count == 0;

    /// <summary>Adds <paramref name="pattern" /> (non-empty) standing for <paramref name="token" />.</summary>
    public void Add(string pattern, AddedToken token)
    {
        var node = 0;
        foreach (var c in pattern)
        {
            if (!_children[node].TryGetValue(c, out var child))
            {
                child = _children.Count;
                _children.Add([]);
                _terminal.Add(null);
                _children[node][c] = child;
            }

            node = child;
        }

        _terminal[node] ??= token;
        _isFirstChar[pattern[0]] = true;
    }

    /// <summary>The next match at or after <paramref name="start" />, or null.</summary>
    public (int Start, int Length, AddedToken Token)? FindNext(string text, int start)
    {
        for (var position = start; position < text.Length; position++)
        {
            if (!_isFirstChar[text[position]])
            {
                continue;
            }

            var node = 0;
            AddedToken? best = null;
            var bestLength = 0;
            for (var i = position; i < text.Length && _children[node].TryGetValue(text[i], out var child); i++)
            {
                node = child;
                if (_terminal[node] is { } token)
                {
                    best = token;
                    bestLength = i - position + 1;
                }
            }

            if (best is not null)
            {
                return (position, bestLength, best);
            }
        }

        return null;
    }
}
