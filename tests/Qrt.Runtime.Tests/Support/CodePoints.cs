using System.Text;

namespace Qrt.Runtime.Tests.Support;

/// <summary>
/// Text as code points, the form in which test texts travel to the JavaScript references: JSON cannot carry a
/// lone surrogate as text, so it travels as its own value (0xD800..0xDFFF), as JavaScript's
/// <c>String.fromCodePoint</c> and string iteration treat it.
/// </summary>
internal static class CodePoints
{
    /// <summary>The code points of <paramref name="text" />; a lone surrogate is one code point.</summary>
    public static int[] Of(string text)
    {
        var codePoints = new List<int>(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                codePoints.Add(char.ConvertToUtf32(text[i], text[i + 1]));
                i++;
            }
            else
            {
                codePoints.Add(text[i]);
            }
        }

        return [.. codePoints];
    }

    /// <summary>The inverse of <see cref="Of" />.</summary>
    public static string ToText(IEnumerable<int> codePoints)
    {
        var builder = new StringBuilder();
        foreach (var codePoint in codePoints)
        {
            if (codePoint is >= 0xD800 and <= 0xDFFF)
            {
                builder.Append((char)codePoint);
            }
            else
            {
                builder.Append(char.ConvertFromUtf32(codePoint));
            }
        }

        return builder.ToString();
    }
}
