using System.Globalization;
using System.Text;

namespace Qrt.Runtime.Text.Templates;

/// <summary>
/// How Python turns values into text, which is what a Jinja template prints: <c>str()</c> of every template
/// value (None, True, 1.0, ['a', 1], {'k': 'v'}), <c>repr()</c> of strings, and the shortest round-trip float
/// format Python uses. Also Python's notion of whitespace and code-point-based string handling.
/// </summary>
internal static class PythonText
{
    /// <summary>Python's str.isspace for one UTF-16 unit.</summary>
    public static bool IsSpace(char c) => char.IsWhiteSpace(c) || c is >= '\x1c' and <= '\x1f';

    /// <summary>
    /// Python's str.islower / str.isupper: at least one cased character, and none of the other case.
    /// </summary>
    public static bool IsCased(string text, bool upper)
    {
        var anyCased = false;
        foreach (var c in text)
        {
            if (char.IsUpper(c) || char.IsLower(c))
            {
                anyCased = true;
                if (upper ? char.IsLower(c) : char.IsUpper(c))
                {
                    return false;
                }
            }
        }

        return anyCased;
    }

    /// <summary>Python's len() of a string: code points, not UTF-16 units.</summary>
    public static int CodePointLength(string text)
    {
        var length = 0;
        for (var i = 0; i < text.Length; i++, length++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
        }

        return length;
    }

    /// <summary>The string as Python sees it: one element per code point (a lone surrogate counts as one).</summary>
    public static List<string> CodePoints(string text)
    {
        var points = new List<string>(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                points.Add(text.Substring(i, 2));
                i++;
            }
            else
            {
                points.Add(text[i].ToString());
            }
        }

        return points;
    }

    /// <summary>True when every code point is one UTF-16 unit, so string indexes equal Python's.</summary>
    public static bool IsSimple(string text)
    {
        foreach (var c in text)
        {
            if (char.IsSurrogate(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Python's str() of a template value: what <c>{{ value }}</c> prints.</summary>
    public static string Str(object? value) => value switch
    {
        string text => text,
        Undefined => string.Empty,
        _ => Repr(value),
    };

    /// <summary>Python's repr() of a template value (how values print inside lists and dicts).</summary>
    public static string Repr(object? value)
    {
        var builder = new StringBuilder();
        AppendRepr(builder, value, 0);
        return builder.ToString();
    }

    private static void AppendRepr(StringBuilder builder, object? value, int depth)
    {
        if (depth > 100)
        {
            throw new TemplateRuntimeError("value nested too deeply to print");
        }

        switch (value)
        {
            case null:
                builder.Append("None");
                break;
            case bool flag:
                builder.Append(flag ? "True" : "False");
                break;
            case long integer:
                builder.Append(integer.ToString(CultureInfo.InvariantCulture));
                break;
            case double number:
                builder.Append(FloatRepr(number));
                break;
            case string text:
                AppendStringRepr(builder, text);
                break;
            case Undefined:
                break;
            case object?[] tuple:
                builder.Append('(');
                AppendItems(builder, tuple, depth);
                builder.Append(tuple.Length == 1 ? ",)" : ")");
                break;
            case List<object?> list:
                builder.Append('[');
                AppendItems(builder, list, depth);
                builder.Append(']');
                break;
            case DictValue dict:
                builder.Append('{');
                var first = true;
                foreach (var pair in dict)
                {
                    builder.Append(first ? string.Empty : ", ");
                    first = false;
                    AppendRepr(builder, pair.Key, depth + 1);
                    builder.Append(": ");
                    AppendRepr(builder, pair.Value, depth + 1);
                }

                builder.Append('}');
                break;
            case NamespaceValue ns:
                builder.Append("<Namespace {");
                var firstAttribute = true;
                foreach (var pair in ns.Attributes)
                {
                    builder.Append(firstAttribute ? string.Empty : ", ");
                    firstAttribute = false;
                    AppendStringRepr(builder, pair.Key);
                    builder.Append(": ");
                    AppendRepr(builder, pair.Value, depth + 1);
                }

                builder.Append("}>");
                break;
            case ICallable callable:
                builder.Append("<function ").Append(callable.Name).Append('>');
                break;
            default:
                builder.Append('<').Append(TemplateValues.TypeName(value)).Append(" object>");
                break;
        }
    }

    private static void AppendItems(StringBuilder builder, IEnumerable<object?> items, int depth)
    {
        var first = true;
        foreach (var item in items)
        {
            builder.Append(first ? string.Empty : ", ");
            first = false;
            AppendRepr(builder, item, depth + 1);
        }
    }

    /// <summary>Python's repr() of a string: single quotes unless the text has ' and no ", with escapes.</summary>
    public static void AppendStringRepr(StringBuilder builder, string text)
    {
        var quote = text.Contains('\'', StringComparison.Ordinal) && !text.Contains('"', StringComparison.Ordinal) ? '"' : '\'';
        builder.Append(quote);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == quote || c == '\\')
            {
                builder.Append('\\').Append(c);
            }
            else if (c == '\n')
            {
                builder.Append("\\n");
            }
            else if (c == '\r')
            {
                builder.Append("\\r");
            }
            else if (c == '\t')
            {
                builder.Append("\\t");
            }
            else if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                var codePoint = char.ConvertToUtf32(c, text[i + 1]);
                if (IsPrintable(CharUnicodeInfo.GetUnicodeCategory(codePoint)))
                {
                    builder.Append(c).Append(text[i + 1]);
                }
                else
                {
                    builder.Append("\\U").Append(codePoint.ToString("x8", CultureInfo.InvariantCulture));
                }

                i++;
            }
            else if (c == ' ' || (!char.IsSurrogate(c) && IsPrintable(CharUnicodeInfo.GetUnicodeCategory(c))))
            {
                builder.Append(c);
            }
            else if (c < 0x100)
            {
                builder.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            }
        }

        builder.Append(quote);
    }

    // Python treats separators, controls, format characters, surrogates, private use and unassigned as unprintable.
    private static bool IsPrintable(UnicodeCategory category) => category is not (
        UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse
        or UnicodeCategory.OtherNotAssigned or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
        or UnicodeCategory.SpaceSeparator);

    /// <summary>
    /// Python's repr() of a float: the shortest digits that read back to the same double, in positional notation
    /// for decimal exponents from -4 to 15 (always with a fractional part, "3.0") and scientific otherwise ("1e-05").
    /// </summary>
    public static string FloatRepr(double value)
    {
        if (double.IsNaN(value))
        {
            return "nan";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? "inf" : "-inf";
        }

        if (value == 0)
        {
            return double.IsNegative(value) ? "-0.0" : "0.0";
        }

        var (digits, pointPosition) = ShortestDigits(Math.Abs(value));
        var sign = value < 0 ? "-" : string.Empty;
        if (pointPosition is > -4 and <= 16)
        {
            if (pointPosition <= 0)
            {
                return $"{sign}0.{new string('0', -pointPosition)}{digits}";
            }

            return pointPosition >= digits.Length
                ? $"{sign}{digits}{new string('0', pointPosition - digits.Length)}.0"
                : $"{sign}{digits[..pointPosition]}.{digits[pointPosition..]}";
        }

        var exponent = pointPosition - 1;
        var mantissa = digits.Length == 1 ? digits : $"{digits[0]}.{digits[1..]}";
        var exponentText = Math.Abs(exponent).ToString("00", CultureInfo.InvariantCulture);
        return $"{sign}{mantissa}e{(exponent < 0 ? '-' : '+')}{exponentText}";
    }

    // The shortest round-trip digits (no leading or trailing zeros) and where the decimal point falls among them.
    private static (string Digits, int PointPosition) ShortestDigits(double positive)
    {
        var text = positive.ToString("R", CultureInfo.InvariantCulture);
        var exponent = 0;
        var e = text.IndexOfAny(['E', 'e']);
        if (e >= 0)
        {
            exponent = int.Parse(text[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            text = text[..e];
        }

        var dot = text.IndexOf('.', StringComparison.Ordinal);
        var integerPart = dot < 0 ? text : text[..dot];
        var fraction = dot < 0 ? string.Empty : text[(dot + 1)..];
        var digits = integerPart + fraction;
        var pointPosition = integerPart.Length + exponent;
        var leadingZeros = 0;
        while (leadingZeros < digits.Length - 1 && digits[leadingZeros] == '0')
        {
            leadingZeros++;
        }

        digits = digits[leadingZeros..].TrimEnd('0');
        return (digits.Length == 0 ? "0" : digits, pointPosition - leadingZeros);
    }
}
