namespace Qrt.Runtime.Text.Tokenization;

/// <summary>Reads the escapes that stand for one character.</summary>
internal static class CharacterEscapeReader
{
    /// <summary>A character escape after '\' (the backslash is consumed): controls, \xHH, \x{H..}, \uHHHH, \o{..}, octal, escaped punctuation.</summary>
    public static char Read(PatternReader reader, int start, bool inClass)
    {
        var c = reader.Source[reader.Position++];
        switch (c)
        {
            case 't': return '\t';
            case 'n': return '\n';
            case 'r': return '\r';
            case 'f': return '\f';
            case 'v': return '\v';
            case 'a': return '\a';
            case 'e': return '\u001B';
            case 'b' when inClass: return '\b';
            case 'x' when reader.Peek() == '{': return ReadBracedCodePoint(reader, start, 16);
            case 'o' when reader.Peek() == '{': return ReadBracedCodePoint(reader, start, 8);
            case 'x':
                {
                    var value = ReadNumber(reader, 16, 2);
                    return value < 0 ? throw reader.ErrorFrom(start, "\\x needs hexadecimal digits") : AsciiByte(reader, value, start);
                }

            case 'u':
                {
                    var digitsStart = reader.Position;
                    var value = ReadNumber(reader, 16, 4);
                    return reader.Position - digitsStart != 4 ? throw reader.ErrorFrom(start, "\\u needs four hexadecimal digits") : CodeUnit(reader, value, start);
                }

            case >= '0' and <= '7' when c == '0' || inClass:
                {
                    reader.Position--;
                    return AsciiByte(reader, ReadNumber(reader, 8, 3), start);
                }

            default:
                if (char.IsAsciiLetterOrDigit(c))
                {
                    throw reader.ErrorFrom(start, "an escape that is not supported");
                }

                reader.Position--;
                return reader.ReadPatternCharacter();
        }
    }

    private static int ReadNumber(PatternReader reader, int radix, int maxDigits)
    {
        var value = -1;
        for (var digits = 0; digits < maxDigits && !reader.AtEnd; digits++)
        {
            var digit = HexValue(reader.Peek());
            if (digit < 0 || digit >= radix)
            {
                break;
            }

            value = Math.Max(value, 0) * radix + digit;
            reader.Position++;
        }

        return value;
    }

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };

    /// <summary>\xHH and octal escapes are bytes of the UTF-8 pattern in Oniguruma; only ASCII ones are characters on their own.</summary>
    private static char AsciiByte(PatternReader reader, int value, int start) =>
        value is >= 0 and < 0x80 ? (char)value : throw reader.ErrorFrom(start, "a byte escape above 0x7F is part of a UTF-8 sequence; write the code point as \\x{HHHH}");

    private static char ReadBracedCodePoint(PatternReader reader, int start, int radix)
    {
        reader.Position++; // '{'
        long value = 0;
        var digits = 0;
        while (!reader.AtEnd && HexValue(reader.Peek()) is var digit && digit >= 0 && digit < radix)
        {
            value = value * radix + digit;
            digits++;
            reader.Position++;
            if (digits > 11)
            {
                throw reader.ErrorFrom(start, "a code point out of range");
            }
        }

        if (digits == 0 || reader.Peek() != '}')
        {
            throw reader.ErrorFrom(start, "a malformed code point (a single code point in braces is supported)");
        }

        reader.Position++;
        return value > 0x10FFFF ? throw reader.ErrorFrom(start, "a code point out of range") : CodeUnit(reader, (int)value, start);
    }

    private static char CodeUnit(PatternReader reader, int value, int start)
    {
        if (value > 0xFFFF)
        {
            throw reader.ErrorFrom(start, "a supplementary code point in a pattern cannot be matched exactly (supplementary characters are matched by their general category only)");
        }

        return char.IsSurrogate((char)value) ? throw reader.ErrorFrom(start, "a surrogate code point is not a character") : (char)value;
    }
}
