using System.Globalization;

namespace Qrt.Runtime.Text.Tokenization;

/// <summary>Reads Oniguruma's quantifiers: <c>* + ?</c>, their lazy and possessive forms, and intervals.</summary>
internal static class QuantifierReader
{
    private const int MaxRepeat = 100000;

    public static bool TryRead(PatternReader reader, out PatternQuantifier quantifier)
    {
        quantifier = default;
        int lower, upper;
        var fixedCount = false;
        switch (reader.Peek())
        {
            case '*': (lower, upper) = (0, -1); reader.Position++; break;
            case '+': (lower, upper) = (1, -1); reader.Position++; break;
            case '?': (lower, upper) = (0, 1); reader.Position++; break;
            case '{':
                if (!TryReadInterval(reader, out lower, out upper, out fixedCount, out var swapped))
                {
                    return false;
                }

                // {n,m} with n > m is possessive; {n}? is "(?:x{n})?", and {n,m}+ is "(?:x{n,m})+" (a second quantifier).
                var lazyInterval = !swapped && !fixedCount && reader.Peek() == '?';
                if (lazyInterval)
                {
                    reader.Position++;
                }

                quantifier = new PatternQuantifier(lower, upper, lazyInterval, swapped);
                return true;
            default:
                return false;
        }

        var lazy = reader.Peek() == '?';
        var possessive = !lazy && reader.Peek() == '+';
        if (lazy || possessive)
        {
            reader.Position++;
        }

        quantifier = new PatternQuantifier(lower, upper, lazy, possessive);
        return true;
    }

    /// <summary>Reads <c>{n}</c>, <c>{n,}</c>, <c>{,m}</c> or <c>{n,m}</c>; anything else leaves '{' a literal, as Oniguruma does.</summary>
    public static bool TryReadInterval(PatternReader reader, out int lower, out int upper, out bool fixedCount, out bool swapped)
    {
        (lower, upper, fixedCount, swapped) = (0, -1, false, false);
        var source = reader.Source;
        var start = reader.Position;
        var position = reader.Position + 1;
        var lowText = ReadDigits(source, ref position);
        var hasComma = position < source.Length && source[position] == ',';
        string upText = string.Empty;
        if (hasComma)
        {
            position++;
            upText = ReadDigits(source, ref position);
        }

        if (position >= source.Length || source[position] != '}' || (lowText.Length == 0 && upText.Length == 0))
        {
            return false;
        }

        lower = lowText.Length == 0 ? 0 : ParseCount(reader, lowText, start);
        upper = hasComma ? (upText.Length == 0 ? -1 : ParseCount(reader, upText, start)) : lower;
        fixedCount = !hasComma;
        if (upper >= 0 && lower > upper)
        {
            (lower, upper, swapped) = (upper, lower, true);
        }

        reader.Position = position + 1;
        return true;
    }

    private static string ReadDigits(string source, ref int position)
    {
        var start = position;
        while (position < source.Length && char.IsAsciiDigit(source[position]))
        {
            position++;
        }

        return source[start..position];
    }

    private static int ParseCount(PatternReader reader, string digits, int start)
    {
        if (digits.Length > 6 || int.Parse(digits, CultureInfo.InvariantCulture) > MaxRepeat)
        {
            throw reader.Error(start, digits.Length + 2, $"a repeat count above {MaxRepeat} (Oniguruma's limit)");
        }

        return int.Parse(digits, CultureInfo.InvariantCulture);
    }
}
