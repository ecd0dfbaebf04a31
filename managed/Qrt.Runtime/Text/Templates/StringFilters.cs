using System.Text;
using System.Text.RegularExpressions;

namespace Qrt.Runtime.Text.Templates;

/// <summary>Filters on text: trim, upper, lower, title, capitalize, replace, indent, wordcount, escape, safe, string.</summary>
internal static partial class StringFilters
{
    public static void Register(Dictionary<string, FilterFunction> table)
    {
        table["trim"] = (value, a) => StringMethods.StripCharacters(PythonText.Str(value), a.Next("chars"), start: true, end: true);
        table["upper"] = (value, _) => PythonText.Str(value).ToUpperInvariant();
        table["lower"] = (value, _) => PythonText.Str(value).ToLowerInvariant();
        table["capitalize"] = (value, _) => StringMethods.Capitalize(PythonText.Str(value));
        table["title"] = (value, _) => Title(PythonText.Str(value));
        table["replace"] = Replace;
        table["indent"] = Indent;
        table["wordcount"] = (value, _) => (long)WordPattern().Count(PythonText.Str(value));
        table["string"] = (value, _) => PythonText.Str(value);
        table["safe"] = (value, _) => PythonText.Str(value);
        table["escape"] = (value, _) => Escape(PythonText.Str(value));
        table["e"] = table["escape"];
    }

    // Jinja's title filter (unlike str.title) starts a word after whitespace, '-', and opening brackets only.
    private static string Title(string text)
    {
        var builder = new StringBuilder(text.Length);
        var atWordStart = true;
        foreach (var c in text)
        {
            var separator = PythonText.IsSpace(c) || c is '-' or '(' or '{' or '[' or '<';
            builder.Append(separator ? c : atWordStart ? char.ToUpperInvariant(c) : char.ToLowerInvariant(c));
            atWordStart = separator;
        }

        return builder.ToString();
    }

    private static string Replace(object? value, ArgumentReader arguments)
    {
        var old = PythonText.Str(arguments.Required("old"));
        var replacement = PythonText.Str(arguments.Required("new"));
        var count = arguments.Next("count");
        return StringMethods.ReplaceCount(PythonText.Str(value), old, replacement, count is null ? -1 : TemplateValues.RequireInteger(count, "count"));
    }

    private static string Indent(object? value, ArgumentReader arguments)
    {
        var width = arguments.Next("width", 4L);
        var first = TemplateValues.IsTrue(arguments.Next("first", false));
        var blank = TemplateValues.IsTrue(arguments.Next("blank", false));
        var indentation = width is string text ? text : new string(' ', TemplateValues.RequireWidth(width, "width"));

        // Jinja appends a newline before splitting, so a trailing newline yields no extra empty line.
        var lines = StringMethods.Lines(PythonText.Str(value) + "\n", keepEnds: false);
        string result;
        if (blank)
        {
            result = string.Join("\n" + indentation, lines);
        }
        else
        {
            var builder = new StringBuilder(lines.Count > 0 ? lines[0] : string.Empty);
            foreach (var line in lines.Skip(1))
            {
                builder.Append('\n');
                if (line.Length > 0)
                {
                    builder.Append(indentation);
                }

                builder.Append(line);
            }

            result = builder.ToString();
        }

        return first ? indentation + result : result;
    }

    private static string Escape(string text)
        => text.Replace("&", "&amp;", StringComparison.Ordinal)
            .Replace("<", "&lt;", StringComparison.Ordinal)
            .Replace(">", "&gt;", StringComparison.Ordinal)
            .Replace("\"", "&#34;", StringComparison.Ordinal)
            .Replace("'", "&#39;", StringComparison.Ordinal);

    [GeneratedRegex(@"\w+", RegexOptions.CultureInvariant)]
    private static partial Regex WordPattern();
}
