using System.Globalization;
using System.Text;

namespace Qrt.Runtime.Text.Templates;

/// <summary>
/// The Python <c>str</c> methods chat templates call (<c>strip</c>, <c>split</c>, <c>startswith</c>,
/// <c>replace</c>, <c>upper</c>, ...), with Python's semantics: <c>strip(chars)</c> strips those characters,
/// <c>split()</c> without a separator splits on whitespace runs, <c>startswith</c> takes a tuple.
/// </summary>
internal static class StringMethods
{
    public static ICallable? Find(string text, string name)
    {
        Func<ArgumentReader, object?>? body = name switch
        {
            "upper" => a => Finish(a, text.ToUpperInvariant()),
            "lower" => a => Finish(a, text.ToLowerInvariant()),
            "title" => a => Finish(a, Title(text)),
            "capitalize" => a => Finish(a, Capitalize(text)),
            "swapcase" => a => Finish(a, string.Concat(text.Select(c => char.IsUpper(c) ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c)))),
            "strip" => a => Strip(text, a, start: true, end: true),
            "lstrip" => a => Strip(text, a, start: true, end: false),
            "rstrip" => a => Strip(text, a, start: false, end: true),
            "split" => a => Split(text, a, fromRight: false),
            "rsplit" => a => Split(text, a, fromRight: true),
            "splitlines" => a => SplitLines(text, TemplateValues.IsTrue(a.Next("keepends", false)), a),
            "startswith" => a => Affix(text, a, atStart: true),
            "endswith" => a => Affix(text, a, atStart: false),
            "replace" => a => Replace(text, a),
            "find" => a => Find(text, a, fromRight: false),
            "rfind" => a => Find(text, a, fromRight: true),
            "count" => a => Count(text, a),
            "join" => a => Join(text, a),
            "removeprefix" => a => RemoveAffix(text, a, atStart: true),
            "removesuffix" => a => RemoveAffix(text, a, atStart: false),
            "isdigit" => a => Finish(a, text.Length > 0 && text.All(char.IsDigit)),
            "isnumeric" => a => Finish(a, text.Length > 0 && text.All(char.IsNumber)),
            "isalpha" => a => Finish(a, text.Length > 0 && text.All(char.IsLetter)),
            "isalnum" => a => Finish(a, text.Length > 0 && text.All(char.IsLetterOrDigit)),
            "isspace" => a => Finish(a, text.Length > 0 && text.All(PythonText.IsSpace)),
            "islower" => a => Finish(a, PythonText.IsCased(text, upper: false)),
            "isupper" => a => Finish(a, PythonText.IsCased(text, upper: true)),
            "zfill" => a => ZeroFill(text, a),
            "ljust" => a => Justify(text, a, left: true),
            "rjust" => a => Justify(text, a, left: false),
            "format" => _ => throw new TemplateRuntimeError("str.format() is not supported; build the text with '~' or '+'"),
            _ => null,
        };

        return body is null ? null : new BuiltinFunction("str." + name, body);
    }

    /// <summary>Python's str.title(): a letter after a non-letter is upper-cased, every other letter lower-cased.</summary>
    public static string Title(string text)
    {
        var builder = new StringBuilder(text.Length);
        var previousCased = false;
        foreach (var c in text)
        {
            var cased = char.IsUpper(c) || char.IsLower(c) || CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.TitlecaseLetter;
            builder.Append(cased ? (previousCased ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c)) : c);
            previousCased = cased;
        }

        return builder.ToString();
    }

    /// <summary>Python's str.capitalize(): the first character upper-cased, the rest lower-cased.</summary>
    public static string Capitalize(string text)
        => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..].ToLowerInvariant();

    /// <summary>Python's str.strip(chars): whitespace when chars is none.</summary>
    public static string StripCharacters(string text, object? characters, bool start, bool end)
    {
        Func<string, bool> strippable;
        if (characters is null or Undefined)
        {
            strippable = point => point.Length == 1 && PythonText.IsSpace(point[0]);
        }
        else
        {
            var set = PythonText.CodePoints(TemplateValues.RequireString(characters, "strip characters")).ToHashSet(StringComparer.Ordinal);
            strippable = set.Contains;
        }

        if (PythonText.IsSimple(text))
        {
            var first = 0;
            var last = text.Length;
            while (start && first < last && strippable(text[first].ToString()))
            {
                first++;
            }

            while (end && last > first && strippable(text[last - 1].ToString()))
            {
                last--;
            }

            return text[first..last];
        }

        var points = PythonText.CodePoints(text);
        var from = 0;
        var to = points.Count;
        while (start && from < to && strippable(points[from]))
        {
            from++;
        }

        while (end && to > from && strippable(points[to - 1]))
        {
            to--;
        }

        return string.Concat(points.GetRange(from, to - from));
    }

    /// <summary>Python's str.splitlines(): splits on every Unicode line boundary Python knows.</summary>
    public static List<string> Lines(string text, bool keepEnds)
    {
        var lines = new List<string>();
        var start = 0;
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            var breakLength = c == '\r' && i + 1 < text.Length && text[i + 1] == '\n' ? 2
                : c is '\n' or '\r' or '\v' or '\f' or '\x1c' or '\x1d' or '\x1e' or '\x85' or '\u2028' or '\u2029' ? 1
                : 0;
            if (breakLength == 0)
            {
                i++;
                continue;
            }

            lines.Add(text[start..(keepEnds ? i + breakLength : i)]);
            i += breakLength;
            start = i;
        }

        if (start < text.Length)
        {
            lines.Add(text[start..]);
        }

        return lines;
    }

    private static object? Finish(ArgumentReader arguments, object? result)
    {
        arguments.Finish();
        return result;
    }

    private static string Strip(string text, ArgumentReader arguments, bool start, bool end)
    {
        var characters = arguments.Next("chars");
        arguments.Finish();
        return StripCharacters(text, characters, start, end);
    }

    private static List<object?> Split(string text, ArgumentReader arguments, bool fromRight)
    {
        var separator = arguments.Next("sep");
        var limit = TemplateValues.RequireInteger(arguments.Next("maxsplit", -1L), "maxsplit");
        arguments.Finish();
        var parts = separator is null or Undefined
            ? SplitWhitespace(text, limit, fromRight)
            : SplitOn(text, TemplateValues.RequireString(separator, "sep"), limit, fromRight);
        return parts.ConvertAll<object?>(part => part);
    }

    private static List<string> SplitOn(string text, string separator, long limit, bool fromRight)
    {
        if (separator.Length == 0)
        {
            throw new TemplateRuntimeError("empty separator");
        }

        var all = text.Split(separator);
        if (limit < 0 || all.Length - 1 <= limit)
        {
            return [.. all];
        }

        var kept = (int)limit;
        return fromRight
            ? [string.Join(separator, all[..^kept]), .. all[^kept..]]
            : [.. all[..kept], string.Join(separator, all[kept..])];
    }

    private static List<string> SplitWhitespace(string text, long limit, bool fromRight)
    {
        var words = new List<(int Start, int End)>();
        var i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && PythonText.IsSpace(text[i]))
            {
                i++;
            }

            var start = i;
            while (i < text.Length && !PythonText.IsSpace(text[i]))
            {
                i++;
            }

            if (i > start)
            {
                words.Add((start, i));
            }
        }

        if (limit < 0 || words.Count <= limit)
        {
            return words.ConvertAll(w => text[w.Start..w.End]);
        }

        var kept = (int)limit;
        if (fromRight)
        {
            var head = text[..words[^(kept + 1)].End];
            return [head, .. words[^kept..].Select(w => text[w.Start..w.End])];
        }

        var tail = text[words[kept].Start..];
        return [.. words[..kept].Select(w => text[w.Start..w.End]), tail];
    }

    private static List<object?> SplitLines(string text, bool keepEnds, ArgumentReader arguments)
    {
        arguments.Finish();
        return Lines(text, keepEnds).ConvertAll<object?>(line => line);
    }

    private static bool Affix(string text, ArgumentReader arguments, bool atStart)
    {
        var affix = arguments.Required(atStart ? "prefix" : "suffix");
        arguments.Finish();
        IEnumerable<object?> candidates = affix is object?[] tuple ? tuple : [affix];
        foreach (var candidate in candidates)
        {
            var value = TemplateValues.RequireString(candidate, atStart ? "startswith() argument" : "endswith() argument");
            if (atStart ? text.StartsWith(value, StringComparison.Ordinal) : text.EndsWith(value, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static string Replace(string text, ArgumentReader arguments)
    {
        var old = TemplateValues.RequireString(arguments.Required("old"), "replace() old");
        var replacement = TemplateValues.RequireString(arguments.Required("new"), "replace() new");
        var count = TemplateValues.RequireInteger(arguments.Next("count", -1L), "replace() count");
        arguments.Finish();
        return ReplaceCount(text, old, replacement, count);
    }

    /// <summary>Python's str.replace(old, new, count), including the empty-old case.</summary>
    public static string ReplaceCount(string text, string old, string replacement, long count)
    {
        if (count < 0 && old.Length > 0)
        {
            return text.Replace(old, replacement, StringComparison.Ordinal);
        }

        var builder = new StringBuilder();
        var done = 0L;
        if (old.Length == 0)
        {
            var points = PythonText.CodePoints(text);
            foreach (var point in points)
            {
                if (count < 0 || done < count)
                {
                    builder.Append(replacement);
                    done++;
                }

                builder.Append(point);
            }

            if (count < 0 || done < count)
            {
                builder.Append(replacement);
            }

            return builder.ToString();
        }

        var position = 0;
        while (done < count)
        {
            var found = text.IndexOf(old, position, StringComparison.Ordinal);
            if (found < 0)
            {
                break;
            }

            builder.Append(text, position, found - position).Append(replacement);
            position = found + old.Length;
            done++;
        }

        return builder.Append(text, position, text.Length - position).ToString();
    }

    private static long Find(string text, ArgumentReader arguments, bool fromRight)
    {
        var sub = TemplateValues.RequireString(arguments.Required("sub"), "find() argument");
        arguments.Finish();
        var index = fromRight ? text.LastIndexOf(sub, StringComparison.Ordinal) : text.IndexOf(sub, StringComparison.Ordinal);
        return index < 0 ? -1 : PythonText.CodePointLength(text[..index]);
    }

    private static long Count(string text, ArgumentReader arguments)
    {
        var sub = TemplateValues.RequireString(arguments.Required("sub"), "count() argument");
        arguments.Finish();
        if (sub.Length == 0)
        {
            return PythonText.CodePointLength(text) + 1;
        }

        long count = 0;
        var position = 0;
        while ((position = text.IndexOf(sub, position, StringComparison.Ordinal)) >= 0)
        {
            count++;
            position += sub.Length;
        }

        return count;
    }

    private static string Join(string separator, ArgumentReader arguments)
    {
        var items = TemplateValues.Iterate(arguments.Required("iterable"));
        arguments.Finish();
        return string.Join(separator, items.Select(item => item is string text
            ? text
            : throw new TemplateRuntimeError($"str.join() expects strings, found '{TemplateValues.TypeName(item)}'")));
    }

    private static string RemoveAffix(string text, ArgumentReader arguments, bool atStart)
    {
        var affix = TemplateValues.RequireString(arguments.Required(atStart ? "prefix" : "suffix"), "affix");
        arguments.Finish();
        if (atStart)
        {
            return text.StartsWith(affix, StringComparison.Ordinal) ? text[affix.Length..] : text;
        }

        return text.EndsWith(affix, StringComparison.Ordinal) ? text[..^affix.Length] : text;
    }

    private static string ZeroFill(string text, ArgumentReader arguments)
    {
        var width = TemplateValues.RequireWidth(arguments.Required("width"), "width");
        arguments.Finish();
        var length = PythonText.CodePointLength(text);
        if (length >= width)
        {
            return text;
        }

        var sign = text.Length > 0 && text[0] is '+' or '-' ? text[..1] : string.Empty;
        return sign + new string('0', width - length) + text[sign.Length..];
    }

    private static string Justify(string text, ArgumentReader arguments, bool left)
    {
        var width = TemplateValues.RequireWidth(arguments.Required("width"), "width");
        var fill = TemplateValues.RequireString(arguments.Next("fillchar", " "), "fillchar");
        arguments.Finish();
        var padding = width - PythonText.CodePointLength(text);
        if (padding <= 0)
        {
            return text;
        }

        var pad = string.Concat(Enumerable.Repeat(fill, padding));
        return left ? text + pad : pad + text;
    }
}
