using System.Text;
using Qrt.Runtime.Json;

namespace Qrt.Runtime.Text.Tokenization;

/// <summary>
/// A tokenizer.json pattern: <c>{"String": "..."}</c> (a literal) or <c>{"Regex": "..."}</c> (an Oniguruma
/// regex, translated for .NET by <see cref="PreTokenizerRegex" />).
/// </summary>
internal sealed class TextPattern
{
    private readonly string? _literal;
    private readonly PreTokenizerRegex? _regex;

    private TextPattern(string? literal, PreTokenizerRegex? regex)
    {
        _literal = literal;
        _regex = regex;
    }

    /// <summary>A literal pattern built into Qrt.</summary>
    public static TextPattern Literal(string text)
    {
        ArgumentException.ThrowIfNullOrEmpty(text);
        return new TextPattern(text, null);
    }

    /// <summary>A regex pattern built into Qrt (e.g. GPT-2's), known to translate.</summary>
    public static TextPattern Regex(string onigPattern) => new(null, new PreTokenizerRegex(onigPattern));

    /// <summary>Reads a pattern object from tokenizer.json.</summary>
    public static TextPattern Read(JsonSection section)
    {
        var literal = section.Property("String");
        if (!literal.IsNull)
        {
            var text = literal.AsString();
            return text.Length == 0 ? throw literal.Error("an empty pattern matches nowhere useful") : new TextPattern(text, null);
        }

        var regex = section.Property("Regex");
        if (!regex.IsNull)
        {
            try
            {
                return new TextPattern(null, new PreTokenizerRegex(regex.AsString()));
            }
            catch (Exception exception) when (exception is PatternException or ArgumentException)
            {
                throw new ModelFileException(regex.File, $"'{regex.Path}': {exception.Message}", exception);
            }
        }

        throw section.Error("must be an object with a 'String' or a 'Regex' entry");
    }

    /// <summary>Appends (start, length) of every non-empty, non-overlapping match, left to right.</summary>
    public void FindMatches(string text, List<(int Start, int Length)> matches)
    {
        if (_regex is not null)
        {
            _regex.FindMatches(text, matches);
            return;
        }

        var literal = _literal!;
        var start = 0;
        while (start <= text.Length - literal.Length)
        {
            var found = text.IndexOf(literal, start, StringComparison.Ordinal);
            if (found < 0)
            {
                break;
            }

            matches.Add((found, literal.Length));
            start = found + literal.Length;
        }
    }

    /// <summary>Replaces every match with <paramref name="content" />.</summary>
    public string ReplaceAll(string text, string content)
    {
        if (_literal is not null)
        {
            return text.Replace(_literal, content, StringComparison.Ordinal);
        }

        var matches = new List<(int Start, int Length)>();
        FindMatches(text, matches);
        if (matches.Count == 0)
        {
            return text;
        }

        var builder = new StringBuilder(text.Length);
        var position = 0;
        foreach (var (start, length) in matches)
        {
            builder.Append(text, position, start - position).Append(content);
            position = start + length;
        }

        return builder.Append(text, position, text.Length - position).ToString();
    }
}
