using System.Globalization;
using System.Numerics;

namespace Qrt.Runtime.Text.Templates;

/// <summary>Filters on single values: default, int, float, abs, round, tojson, attr.</summary>
internal static class ValueFilters
{
    public static void Register(Dictionary<string, FilterFunction> table)
    {
        table["default"] = Default;
        table["d"] = Default;
        table["int"] = ToInteger;
        table["float"] = ToFloat;
        table["abs"] = (value, _) => value switch
        {
            long integer => (object)(integer == long.MinValue ? throw new TemplateRuntimeError("integer overflow in abs") : Math.Abs(integer)),
            bool flag => (object)(flag ? 1L : 0L),
            double number => Math.Abs(number),
            _ => throw new TemplateRuntimeError($"bad operand type for abs(): '{TemplateValues.TypeName(value)}'"),
        };
        table["round"] = Round;
        table["tojson"] = ToJson;
        table["attr"] = (value, a) => AttributeAccess.GetAttribute(value, TemplateValues.RequireString(a.Required("name"), "attribute name"));
    }

    private static object? Default(object? value, ArgumentReader arguments)
    {
        var fallback = arguments.Next("default_value", string.Empty);
        var boolean = TemplateValues.IsTrue(arguments.Next("boolean", false));
        return value is Undefined || (boolean && !TemplateValues.IsTrue(value)) ? fallback : value;
    }

    // Python's int(): strings in the given base (whitespace and '_' allowed), else via float; on failure the default.
    private static object? ToInteger(object? value, ArgumentReader arguments)
    {
        var fallback = arguments.Next("default", 0L);
        var radix = (int)Math.Clamp(TemplateValues.RequireInteger(arguments.Next("base", 10L), "base"), 0, 37);
        switch (value)
        {
            case long or bool:
                return TemplateValues.ToLong(value);
            case double number:
                return double.IsFinite(number) && Math.Abs(number) < 9.2e18 ? (long)Math.Truncate(number) : fallback;
            case string text:
                var digits = text.Trim().Replace("_", string.Empty, StringComparison.Ordinal);
                if (radix == 10 && long.TryParse(digits, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed))
                {
                    return parsed;
                }

                if (radix != 10 && TryParseRadix(digits, radix, out var converted))
                {
                    return converted;
                }

                return TryParseFloat(text, out var asFloat) && Math.Abs(asFloat) < 9.2e18 ? (long)Math.Truncate(asFloat) : fallback;
            default:
                return fallback;
        }
    }

    private static object? ToFloat(object? value, ArgumentReader arguments)
    {
        var fallback = arguments.Next("default", 0.0);
        return value switch
        {
            long or bool => TemplateValues.ToDouble(value),
            double number => number,
            string text when TryParseFloat(text, out var parsed) => parsed,
            _ => fallback,
        };
    }

    private static bool TryParseFloat(string text, out double value)
    {
        var trimmed = text.Trim().Replace("_", string.Empty, StringComparison.Ordinal);
        switch (trimmed.ToLowerInvariant())
        {
            case "inf" or "+inf" or "infinity" or "+infinity":
                value = double.PositiveInfinity;
                return true;
            case "-inf" or "-infinity":
                value = double.NegativeInfinity;
                return true;
            case "nan" or "+nan" or "-nan":
                value = double.NaN;
                return true;
        }

        return double.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    private static bool TryParseRadix(string digits, int radix, out long value)
    {
        value = 0;
        var negative = digits.StartsWith('-');
        var body = digits.TrimStart('+', '-');
        var prefix = radix switch { 16 => "0x", 8 => "0o", 2 => "0b", _ => null };
        if (prefix is not null && body.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
        {
            body = body[2..];
        }

        if (body.Length == 0 || radix is < 2 or > 36)
        {
            return false;
        }

        foreach (var c in body.ToLowerInvariant())
        {
            var digit = char.IsAsciiDigit(c) ? c - '0' : c is >= 'a' and <= 'z' ? c - 'a' + 10 : 99;
            if (digit >= radix)
            {
                return false;
            }

            value = (value * radix) + digit;
        }

        value = negative ? -value : value;
        return true;
    }

    // Jinja's round: 'common' is Python's round(value, precision) (half to even, on the exact binary value).
    private static object? Round(object? value, ArgumentReader arguments)
    {
        // Beyond ±400 digits a double is unchanged (or rounds to zero), so larger precisions are clamped.
        var precision = (int)Math.Clamp(TemplateValues.RequireInteger(arguments.Next("precision", 0L), "precision"), -400, 400);
        var method = PythonText.Str(arguments.Next("method", "common"));
        if (value is Undefined undefined)
        {
            throw new TemplateRuntimeError(undefined.Reason);
        }

        if (!TemplateValues.IsNumber(value))
        {
            throw new TemplateRuntimeError($"round needs a number, not '{TemplateValues.TypeName(value)}'");
        }

        switch (method)
        {
            case "common":
                return value is double number ? PythonRound(number, precision) : (object)TemplateValues.ToLong(value);
            case "floor" or "ceil":
                var scale = Math.Pow(10, precision);
                var scaled = TemplateValues.ToDouble(value) * scale;
                return (method == "floor" ? Math.Floor(scaled) : Math.Ceiling(scaled)) / scale;
            default:
                throw new TemplateRuntimeError("round: method must be 'common', 'ceil' or 'floor'");
        }
    }

    private static double PythonRound(double value, int precision)
    {
        if (!double.IsFinite(value) || value == 0)
        {
            return value;
        }

        // Exact: value = mantissa * 2^exponent; scale by 10^precision in integers and round half to even.
        var bits = BitConverter.DoubleToInt64Bits(Math.Abs(value));
        var exponent = (int)((bits >> 52) & 0x7FF);
        var mantissa = new BigInteger(bits & 0xFFFFFFFFFFFFFL);
        if (exponent == 0)
        {
            exponent = 1;
        }
        else
        {
            mantissa += BigInteger.One << 52;
        }

        exponent -= 1075;
        var numerator = mantissa;
        var denominator = BigInteger.One;
        if (exponent > 0)
        {
            numerator <<= exponent;
        }
        else
        {
            denominator <<= -exponent;
        }

        if (precision >= 0)
        {
            numerator *= BigInteger.Pow(10, precision);
        }
        else
        {
            denominator *= BigInteger.Pow(10, -precision);
        }

        var quotient = BigInteger.DivRem(numerator, denominator, out var remainder);
        var twice = remainder * 2;
        if (twice > denominator || (twice == denominator && !quotient.IsEven))
        {
            quotient += 1;
        }

        var text = precision >= 0
            ? $"{quotient}E-{precision}"
            : $"{quotient}E+{-precision}";
        var rounded = double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
        return value < 0 ? -rounded : rounded;
    }

    private static string ToJson(object? value, ArgumentReader arguments)
    {
        var ensureAscii = TemplateValues.IsTrue(arguments.Next("ensure_ascii", false));
        var indent = arguments.Next("indent");
        var separators = arguments.Next("separators");
        var sortKeys = TemplateValues.IsTrue(arguments.Next("sort_keys", false));
        string? indentText = indent switch
        {
            null => null,
            long spaces => new string(' ', TemplateValues.RequireWidth(spaces, "tojson indent")),
            string text => text,
            _ => throw new TemplateRuntimeError($"tojson: indent must be an integer or a string, not '{TemplateValues.TypeName(indent)}'"),
        };

        (string Item, string Key)? separatorPair = null;
        if (separators is not null)
        {
            var pair = TemplateValues.IsSequence(separators) ? (IReadOnlyList<object?>)separators : null;
            if (pair is not { Count: 2 } || pair[0] is not string item || pair[1] is not string key)
            {
                throw new TemplateRuntimeError("tojson: separators must be a pair of strings");
            }

            separatorPair = (item, key);
        }

        return PythonJson.Dumps(value, indentText, separatorPair, sortKeys, ensureAscii);
    }
}
