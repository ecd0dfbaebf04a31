using System.Globalization;
using System.Text;

namespace Qrt.Runtime.Text.Tokenization;

/// <summary>Spells characters as literals of a .NET pattern.</summary>
internal static class RegexLiteral
{
    /// <summary>A .NET pattern spelling of <paramref name="c" /> as a literal, outside or inside a character class.</summary>
    public static void Append(StringBuilder builder, char c, bool inClass)
    {
        if (char.IsAsciiLetterOrDigit(c) || c == '_')
        {
            builder.Append(c);
            return;
        }

        switch (c)
        {
            case '\t': builder.Append(@"\t"); return;
            case '\n': builder.Append(@"\n"); return;
            case '\v': builder.Append(@"\v"); return;
            case '\f': builder.Append(@"\f"); return;
            case '\r': builder.Append(@"\r"); return;
            case ' ': builder.Append(' '); return;
            default: break;
        }

        var special = inClass ? @"\]-[^" : @"\*+?|{}[]()^$.#";
        if (c < 0x7F && c > ' ' && !special.Contains(c, StringComparison.Ordinal))
        {
            builder.Append(c);
        }
        else if (c < 0x7F && c > ' ')
        {
            builder.Append('\\').Append(c);
        }
        else
        {
            builder.Append(@"\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
        }
    }
}
