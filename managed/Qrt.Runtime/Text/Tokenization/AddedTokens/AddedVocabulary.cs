using System.Globalization;
using Qrt.Runtime.Text.Tokenization.Normalizers;

namespace Qrt.Runtime.Text.Tokenization.AddedTokens;

/// <summary>
/// The added tokens of a tokenizer and the first step of encoding: cutting the input at added tokens. Tokens
/// with <c>normalized: false</c> are found in the raw text; the text between them is then normalized and
/// searched for the <c>normalized: true</c> tokens (spelled in normalized form), as the reference does.
/// </summary>
internal sealed class AddedVocabulary
{
    private readonly Dictionary<int, AddedToken> _byId = [];
    private readonly Dictionary<string, AddedToken> _byContent = new(StringComparer.Ordinal);
    private readonly AddedTokenTrie _rawTrie = new();
    private readonly AddedTokenTrie _normalizedTrie = new();
    private readonly INormalizer? _normalizer;

    public AddedVocabulary(IEnumerable<AddedToken> tokens, INormalizer? normalizer)
    {
        _normalizer = normalizer;
        foreach (var token in tokens)
        {
            _byId[token.Id] = token;
            _byContent[token.Content] = token;
            if (token.Content.Length == 0)
            {
                continue;
            }

            if (token.Normalized)
            {
                var pattern = normalizer?.Normalize(token.Content) ?? token.Content;
                if (pattern.Length > 0)
                {
                    _normalizedTrie.Add(pattern, token);
                }
            }
            else
            {
                _rawTrie.Add(token.Content, token);
            }
        }
    }

    public IReadOnlyCollection<AddedToken> Tokens => _byId.Values;

    public AddedToken? ById(int id) => _byId.GetValueOrDefault(id);

    public AddedToken? ByContent(string content) => _byContent.GetValueOrDefault(content);

    /// <summary>
    /// Cuts <paramref name="text" /> at added tokens and normalizes the text between them. Added-token
    /// segments carry their token; the others are normalized text, possibly empty.
    /// </summary>
    public List<TextSegment> Split(string text)
    {
        var segments = new List<TextSegment>();
        foreach (var raw in Find(text, _rawTrie, atOrigin: true))
        {
            if (raw.AddedToken is not null)
            {
                segments.Add(raw);
                continue;
            }

            var normalized = _normalizer?.Normalize(raw.Text) ?? raw.Text;
            segments.AddRange(Find(normalized, _normalizedTrie, raw.AtOrigin));
        }

        return segments;
    }

    private static List<TextSegment> Find(string text, AddedTokenTrie trie, bool atOrigin)
    {
        if (text.Length == 0 || trie.IsEmpty)
        {
            return [new TextSegment(text, null, atOrigin)];
        }

        var segments = new List<TextSegment>();
        var emitted = 0;
        var searchFrom = 0;
        while (trie.FindNext(text, searchFrom) is var (matchStart, matchLength, token))
        {
            var start = matchStart;
            var stop = matchStart + matchLength;
            // Matches do not overlap: after one (even a discarded one) the search goes on at its end.
            searchFrom = stop;
            if (token.SingleWord && (EndsWithWord(text, start) || StartsWithWord(text, stop)))
            {
                continue;
            }

            if (token.LeftStrip)
            {
                while (start > emitted && char.IsWhiteSpace(text[start - 1]))
                {
                    start--;
                }
            }

            if (token.RightStrip)
            {
                while (stop < text.Length && char.IsWhiteSpace(text[stop]))
                {
                    stop++;
                }

                searchFrom = stop;
            }

            if (start > emitted)
            {
                segments.Add(new TextSegment(text[emitted..start], null, atOrigin && emitted == 0));
            }

            segments.Add(new TextSegment(text[start..stop], token, atOrigin && start == 0));
            emitted = stop;
        }

        if (emitted < text.Length)
        {
            segments.Add(new TextSegment(text[emitted..], null, atOrigin && emitted == 0));
        }

        return segments;
    }

    private static bool EndsWithWord(string text, int end) => end > 0 && IsWordChar(text, end - 1);

    private static bool StartsWithWord(string text, int start) => start < text.Length && IsWordChar(text, start);

    /// <summary>A "word" character as regexes' Unicode \w define it: letters, marks, digits, connector punctuation.</summary>
    private static bool IsWordChar(string text, int index)
    {
        var category = CharUnicodeInfo.GetUnicodeCategory(text, index);
        return category is UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
            or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter or UnicodeCategory.NonSpacingMark
            or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark or UnicodeCategory.DecimalDigitNumber
            or UnicodeCategory.ConnectorPunctuation;
    }
}
