using System.Globalization;
using System.Text;
using Qrt.Runtime.Text;

namespace Qrt.Runtime.Tests.Text.Tokenizers;

/// <summary>
/// Failure messages that point at the first difference: the corpus entry, the position, and the ids (with
/// their token strings) or characters around it, so a mismatch can be reduced without rerunning anything.
/// </summary>
internal static class Mismatch
{
    private const int Context = 4;

    /// <summary>Null when the id sequences are equal; otherwise a description of the first difference.</summary>
    public static string? InIds(Tokenizer tokenizer, CorpusEntry entry, int[] expected, int[] actual)
    {
        var position = FirstDifference(expected, actual);
        if (position < 0)
        {
            return null;
        }

        var message = new StringBuilder();
        message.AppendLine(CultureInfo.InvariantCulture, $"corpus entry '{entry.Name}': ids differ at position {position} (expected {expected.Length} ids, got {actual.Length})");
        message.AppendLine(CultureInfo.InvariantCulture, $"  text: {TokenizerCorpus.Describe(entry.Text)}");
        message.AppendLine(CultureInfo.InvariantCulture, $"  expected: {Window(tokenizer, expected, position)}");
        message.Append(CultureInfo.InvariantCulture, $"  actual:   {Window(tokenizer, actual, position)}");
        return message.ToString();
    }

    /// <summary>Null when the texts are equal; otherwise a description of the first differing character.</summary>
    public static string? InText(CorpusEntry entry, string what, string expected, string actual)
    {
        var position = FirstDifference(expected.AsSpan(), actual.AsSpan());
        if (position < 0)
        {
            return null;
        }

        return string.Create(
            CultureInfo.InvariantCulture,
            $"""
            corpus entry '{entry.Name}': {what} differs at UTF-16 index {position} (expected length {expected.Length}, got {actual.Length})
              text:     {TokenizerCorpus.Describe(entry.Text)}
              expected: {Excerpt(expected, position)}
              actual:   {Excerpt(actual, position)}
            """);
    }

    /// <summary>The index of the first element that differs, or -1 when the sequences are equal.</summary>
    public static int FirstDifference<T>(ReadOnlySpan<T> expected, ReadOnlySpan<T> actual)
        where T : IEquatable<T>
    {
        var common = Math.Min(expected.Length, actual.Length);
        for (var i = 0; i < common; i++)
        {
            if (!expected[i].Equals(actual[i]))
            {
                return i;
            }
        }

        return expected.Length == actual.Length ? -1 : common;
    }

    private static int FirstDifference(int[] expected, int[] actual) =>
        FirstDifference<int>(expected.AsSpan(), actual.AsSpan());

    private static string Window(Tokenizer tokenizer, int[] ids, int position)
    {
        var start = Math.Max(0, position - Context);
        var end = Math.Min(ids.Length, position + Context + 1);
        var shown = new List<string>();
        for (var i = start; i < end; i++)
        {
            var token = TokenText(tokenizer, ids[i]);
            var marker = i == position ? ">>" : string.Empty;
            shown.Add(string.Create(CultureInfo.InvariantCulture, $"{marker}[{i}] {ids[i]} {token}"));
        }

        var prefix = start > 0 ? "... " : string.Empty;
        var suffix = end < ids.Length ? " ..." : string.Empty;
        return prefix + string.Join(", ", shown) + suffix;
    }

    private static string TokenText(Tokenizer tokenizer, int id) =>
        tokenizer.IdToToken(id) is { } token ? Quote(token) : "(no token)";

    private static string Excerpt(string text, int position)
    {
        var start = Math.Max(0, position - 12);
        var length = Math.Min(text.Length, position + 12) - start;
        var excerpt = text.Substring(start, Math.Max(0, length));
        return $"{Quote(excerpt)} = {TokenizerCorpus.Describe(excerpt)}";
    }

    /// <summary>A string with control and invisible characters escaped, in quotes.</summary>
    public static string Quote(string text)
    {
        var builder = new StringBuilder("\"");
        foreach (var c in text)
        {
            if (c < 0x20 || c == 0x7F || char.IsSurrogate(c) || c is '\u00A0' or '\u200D' or '\u2028' or '\u3000')
            {
                builder.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.Append('"').ToString();
    }
}
