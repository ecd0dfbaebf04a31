using System.Globalization;
using System.Text.Json;
using Qrt.Runtime.Tests.Support;

namespace Qrt.Runtime.Tests.Text.Tokenizers;

/// <summary>
/// The texts every tokenizer is checked on, read from tests/reference/inputs/tokenizer-corpus.json (which says what
/// they cover and why two characters are left out): the cases where byte-level and SentencePiece tokenizers differ
/// from each other or are easy to get wrong. The golden script reads the same file, so the names match the goldens.
/// </summary>
internal static class TokenizerCorpus
{
    private static readonly Lazy<IReadOnlyList<CorpusEntry>> Loaded = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Every entry, in the file's order (the JavaScript reference is computed for the whole list at once).</summary>
    public static IReadOnlyList<CorpusEntry> Entries => Loaded.Value;

    /// <summary>The entries the real libraries were run on (those without <see cref="CorpusEntry.ExcludedFromGoldens" />).</summary>
    public static IEnumerable<CorpusEntry> InGoldens => Entries.Where(entry => entry.ExcludedFromGoldens is null);

    private static List<CorpusEntry> Load()
    {
        var path = ReferenceFiles.Input("tokenizer-corpus.json");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var entries = new List<CorpusEntry>();
        foreach (var item in document.RootElement.GetProperty("entries").EnumerateArray())
        {
            var name = item.GetProperty("name").GetString()!;
            var usesCodePoints = item.TryGetProperty("code_points", out var codePoints);
            var text = usesCodePoints
                ? CodePoints.ToText(codePoints.EnumerateArray().Select(c => c.GetInt32()))
                : item.GetProperty("text").GetString()!;
            var excluded = item.TryGetProperty("excluded_from_goldens", out var reason) ? reason.GetString() : null;

            // Text that JSON can carry as a string travels as one; only text it cannot carry is left to the JS reference.
            var wellFormed = IsWellFormedUtf16(text);
            if (wellFormed == usesCodePoints || wellFormed != (excluded is null))
            {
                throw new InvalidDataException(
                    $"{path}: entry '{name}' must use code_points and excluded_from_goldens exactly when its text is not well-formed UTF-16");
            }

            entries.Add(new CorpusEntry(name, text, excluded));
        }

        var duplicate = entries.GroupBy(entry => entry.Name).FirstOrDefault(group => group.Count() > 1);
        return duplicate is null ? entries : throw new InvalidDataException($"{path}: entry name '{duplicate.Key}' is used twice");
    }

    /// <summary>Whether <paramref name="text" /> is well-formed UTF-16 (every surrogate is half of a pair).</summary>
    public static bool IsWellFormedUtf16(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Code points as U+XXXX, for failure messages where the text itself would not print legibly.</summary>
    public static string Describe(string text, int maxCodePoints = 48)
    {
        var codePoints = CodePoints.Of(text);
        var shown = codePoints.Take(maxCodePoints).Select(c => string.Create(CultureInfo.InvariantCulture, $"U+{c:X4}"));
        var more = codePoints.Length > maxCodePoints ? $" ... ({codePoints.Length} code points)" : string.Empty;
        return string.Join(' ', shown) + more;
    }
}

/// <summary>
/// One corpus text; <see cref="Name" /> names the test cases. <see cref="ExcludedFromGoldens" /> says why the real
/// libraries could not be run on it (null when they were).
/// </summary>
internal sealed record CorpusEntry(string Name, string Text, string? ExcludedFromGoldens = null)
{
    /// <inheritdoc />
    public override string ToString() => Name;
}
