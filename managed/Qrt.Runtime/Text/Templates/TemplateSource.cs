using System.Text;

namespace Qrt.Runtime.Text.Templates;

/// <summary>
/// Template text as Jinja reads it (every line break made "\n", one trailing newline dropped) with its origin, and
/// the means to describe a position in it: line, column and the source line with a caret.
/// </summary>
internal sealed class TemplateSource
{
    private readonly int[] _lineStarts;

    public TemplateSource(string text, string? origin)
    {
        Text = Normalize(text);
        Origin = origin;
        _lineStarts = FindLineStarts(Text);
    }

    /// <summary>The normalised text; every offset in tokens and nodes refers to it.</summary>
    public string Text { get; }

    /// <summary>A file path or description, or null for text given directly.</summary>
    public string? Origin { get; }

    /// <summary>The 1-based line and column of <paramref name="offset" />.</summary>
    public (int Line, int Column) Locate(int offset)
    {
        offset = Math.Clamp(offset, 0, Text.Length);
        var index = Array.BinarySearch(_lineStarts, offset);
        var line = index >= 0 ? index : ~index - 1;
        return (line + 1, offset - _lineStarts[line] + 1);
    }

    /// <summary>"origin, line L, column C: problem" followed by the source line and a caret under the column.</summary>
    public string Describe(int offset, string problem)
    {
        var (line, column) = Locate(offset);
        var start = _lineStarts[line - 1];
        var end = Text.IndexOf('\n', start);
        var sourceLine = end < 0 ? Text[start..] : Text[start..end];

        // Tabs are kept in the caret line so that the caret stays under the column in any tab width.
        var caret = new StringBuilder();
        for (var i = 0; i < column - 1 && i < sourceLine.Length; i++)
        {
            caret.Append(sourceLine[i] == '\t' ? '\t' : ' ');
        }

        caret.Append('^');
        return $"{Origin ?? "template"}, line {line}, column {column}: {problem}\n    {sourceLine}\n    {caret}";
    }

    private static string Normalize(string text)
    {
        var normalized = text.Contains('\r', StringComparison.Ordinal)
            ? text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n')
            : text;
        return normalized.EndsWith('\n') ? normalized[..^1] : normalized;
    }

    private static int[] FindLineStarts(string text)
    {
        var starts = new List<int> { 0 };
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n')
            {
                starts.Add(i + 1);
            }
        }

        return [.. starts];
    }
}
