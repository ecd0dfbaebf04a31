using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace Qrt.Bindings.Generator;

/// <summary>Describes where two texts first differ, as a one-line-per-side unified-diff hunk.</summary>
[SuppressMessage("Maintainability", "CA1515:Consider making public types internal", Justification = "Used by the tests.")]
public static class TextDifference
{
    /// <summary>
    /// Returns null if the texts are identical; otherwise a short unified-looking description of the first line
    /// that differs (line endings and trailing newlines included).
    /// </summary>
    /// <param name="expected">The committed text.</param>
    /// <param name="actual">The regenerated text.</param>
    /// <param name="expectedLabel">Names the committed text in the "---" line.</param>
    /// <param name="actualLabel">Names the regenerated text in the "+++" line.</param>
    public static string? DescribeFirstDifference(string expected, string actual, string expectedLabel, string actualLabel)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(actual);
        if (string.Equals(expected, actual, StringComparison.Ordinal))
        {
            return null;
        }

        var expectedLines = expected.Split('\n');
        var actualLines = actual.Split('\n');
        var line = 0;
        while (line < expectedLines.Length && line < actualLines.Length
            && string.Equals(expectedLines[line], actualLines[line], StringComparison.Ordinal))
        {
            line++;
        }

        var builder = new StringBuilder();
        builder.Append("--- ").Append(expectedLabel).Append('\n');
        builder.Append("+++ ").Append(actualLabel).Append('\n');
        builder.Append("@@ first difference at line ").Append((line + 1).ToString(CultureInfo.InvariantCulture)).Append(" @@\n");
        builder.Append('-').Append(Show(expectedLines, line)).Append('\n');
        builder.Append('+').Append(Show(actualLines, line));
        return builder.ToString();
    }

    private static string Show(string[] lines, int index)
    {
        if (index >= lines.Length)
        {
            return "(end of file, no newline after the previous line)";
        }

        var text = lines[index];
        if (index == lines.Length - 1 && text.Length == 0)
        {
            return "(end of file)";
        }

        return text.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\t", "\\t", StringComparison.Ordinal);
    }
}
