using System.Buffers;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Qrt.Runtime.Text.Tokenization;

/// <summary>
/// A tokenizer.json regex (Oniguruma syntax) that finds the matches Hugging Face tokenizers finds: leftmost,
/// non-overlapping, scanning by code point. The pattern is translated by <see cref="PatternTranslator" />; a
/// pattern it cannot translate exactly is rejected with a <see cref="PatternException" /> at construction.
/// </summary>
/// <remarks>
/// .NET matches UTF-16 units, so <c>\p{L}</c> would never match a supplementary letter (a surrogate pair) and
/// <c>.</c> could split one. Text with surrogates is therefore matched through a proxy in which every surrogate
/// pair is one BMP character of the same general category, chosen once per pattern among the characters the
/// pattern never names by value; a lone surrogate stays itself, a one-unit character of category Cs, as it is for
/// a JavaScript <c>u</c> regex. Match spans are mapped back to the text, so they never split a pair.
/// Empty matches are not reported. After one the scan resumes a code point further on, as the find-iter of the
/// Oniguruma binding Hugging Face uses does, so the non-empty matches are the same; a Split that isolates or
/// removes its matches drops empty pieces anyway, and the regexes tokenizers ship never match the empty string.
/// </remarks>
internal sealed class PreTokenizerRegex
{
    // The general categories that have supplementary members in .NET's Unicode data (Lt, Cc, Cs, Z* have none).
    private static readonly Lazy<UnicodeCategory[]> SupplementaryCategories = new(FindSupplementaryCategories);

    private readonly Regex _regex;

    // Indexed by UnicodeCategory: the BMP character that stands in for a supplementary code point of that category.
    private readonly char[] _standIns;

    /// <summary>Translates and compiles <paramref name="onigPattern" />; throws <see cref="PatternException" /> if it cannot be matched exactly.</summary>
    public PreTokenizerRegex(string onigPattern)
    {
        ArgumentNullException.ThrowIfNull(onigPattern);
        Pattern = onigPattern;
        var translation = PatternTranslator.Translate(onigPattern);
        TranslatedPattern = translation.Pattern;
        _standIns = ChooseStandIns(onigPattern, translation.Literals);
        try
        {
            // Compiled matches about three times faster than the interpreter on these patterns and costs a few
            // milliseconds once; under NativeAOT it quietly falls back to the interpreter.
            _regex = new Regex(translation.Pattern, RegexOptions.CultureInvariant | RegexOptions.Compiled);
        }
        catch (ArgumentException exception)
        {
            throw new PatternException(onigPattern, 0, onigPattern, $"its translation '{translation.Pattern}' is not a valid .NET pattern ({exception.Message})");
        }
    }

    /// <summary>The pattern as written in tokenizer.json.</summary>
    public string Pattern { get; }

    /// <summary>The equivalent .NET pattern.</summary>
    public string TranslatedPattern { get; }

    /// <summary>
    /// Appends (start, length), in UTF-16 units, of every non-empty, non-overlapping leftmost match in
    /// <paramref name="text" />, left to right.
    /// </summary>
    public void FindMatches(string text, List<(int Start, int Length)> matches)
    {
        ArgumentNullException.ThrowIfNull(text);
        FindMatches(text.AsSpan(), matches);
    }

    /// <inheritdoc cref="FindMatches(string, List{ValueTuple{int, int}})" />
    public void FindMatches(ReadOnlySpan<char> text, List<(int Start, int Length)> matches)
    {
        ArgumentNullException.ThrowIfNull(matches);
        if (!text.ContainsAnyInRange('\uD800', '\uDFFF'))
        {
            foreach (var match in _regex.EnumerateMatches(text))
            {
                if (match.Length > 0)
                {
                    matches.Add((match.Index, match.Length));
                }
            }

            return;
        }

        var proxy = ArrayPool<char>.Shared.Rent(text.Length);
        var origins = ArrayPool<int>.Shared.Rent(text.Length + 1);
        try
        {
            var length = BuildProxy(text, proxy, origins);
            foreach (var match in _regex.EnumerateMatches(proxy.AsSpan(0, length)))
            {
                if (match.Length > 0)
                {
                    var start = origins[match.Index];
                    matches.Add((start, origins[match.Index + match.Length] - start));
                }
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(origins);
            ArrayPool<char>.Shared.Return(proxy);
        }
    }

    /// <summary>Writes the proxy of <paramref name="text" /> and, for each proxy index (and its end), the text index it came from.</summary>
    private int BuildProxy(ReadOnlySpan<char> text, char[] proxy, int[] origins)
    {
        var length = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            origins[length] = i;
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                var category = CharUnicodeInfo.GetUnicodeCategory(char.ConvertToUtf32(c, text[i + 1]));
                proxy[length++] = _standIns[(int)category];
                i++;
            }
            else
            {
                proxy[length++] = c;
            }
        }

        origins[length] = text.Length;
        return length;
    }

    /// <summary>
    /// For each category with supplementary members, the first non-ASCII BMP character of that category that the
    /// pattern does not name: it then meets every part of the pattern exactly as a supplementary code point of the
    /// category does (literals and ranges are BMP-only, so neither matches; properties see the same category).
    /// </summary>
    private static char[] ChooseStandIns(string pattern, IReadOnlyList<(char First, char Last)> literals)
    {
        var named = new bool[char.MaxValue + 1];
        foreach (var (first, last) in literals)
        {
            named.AsSpan(first, last - first + 1).Fill(true);
        }

        var standIns = new char[Enum.GetValues<UnicodeCategory>().Length];
        for (var c = 0x80; c <= char.MaxValue; c++)
        {
            var category = (int)CharUnicodeInfo.GetUnicodeCategory((char)c);
            if (standIns[category] == '\0' && !named[c] && !char.IsSurrogate((char)c))
            {
                standIns[category] = (char)c;
            }
        }

        foreach (var category in SupplementaryCategories.Value)
        {
            if (standIns[(int)category] == '\0')
            {
                throw new PatternException(pattern, 0, pattern,
                    $"its ranges cover every BMP character of general category {category}, so supplementary characters of that category cannot be matched exactly");
            }
        }

        return standIns;
    }

    private static UnicodeCategory[] FindSupplementaryCategories()
    {
        var present = new bool[Enum.GetValues<UnicodeCategory>().Length];
        for (var codePoint = 0x10000; codePoint <= 0x10FFFF; codePoint++)
        {
            present[(int)CharUnicodeInfo.GetUnicodeCategory(codePoint)] = true;
        }

        return [.. Enum.GetValues<UnicodeCategory>().Where(category => present[(int)category])];
    }
}
