using System.Globalization;
using System.Text;

namespace Qrt.Runtime.Text.Templates;

/// <summary>
/// Splits template text into tokens the way Jinja's lexer does, including whitespace control (<c>{%-</c>,
/// <c>-%}</c>, <c>{{-</c>, <c>-}}</c>, <c>+</c> to opt out), <c>trim_blocks</c> (the newline after a block or
/// comment tag is dropped), <c>lstrip_blocks</c> (spaces and tabs before a block or comment tag at the start of a
/// line are dropped), comments and <c>{% raw %}</c> sections. Inside a tag, a closing delimiter only counts when
/// brackets are balanced, so <c>{{ {'a': {'b': 1}} }}</c> reads as Jinja reads it.
/// </summary>
internal sealed class Lexer
{
    private static readonly string[] TwoCharacterOperators = ["//", "**", "==", "!=", ">=", "<="];
    private const string OneCharacterOperators = "+-/*%~[](){}<>=.:|,;";

    private readonly TemplateSource _source;
    private readonly string _text;
    private readonly bool _trimBlocks;
    private readonly bool _lstripBlocks;
    private readonly List<Token> _tokens = [];
    private int _position;

    // True when the last tag ended by consuming a newline: text that follows starts a line (for lstrip_blocks).
    private bool _lineStarting = true;

    private Lexer(TemplateSource source, bool trimBlocks, bool lstripBlocks)
    {
        _source = source;
        _text = source.Text;
        _trimBlocks = trimBlocks;
        _lstripBlocks = lstripBlocks;
    }

    public static List<Token> Tokenize(TemplateSource source, bool trimBlocks, bool lstripBlocks)
    {
        var lexer = new Lexer(source, trimBlocks, lstripBlocks);
        lexer.Run();
        return lexer._tokens;
    }

    private void Run()
    {
        while (_position < _text.Length)
        {
            var tagStart = FindTagStart(_position);
            if (tagStart < 0)
            {
                AddText(_text[_position..], _position);
                break;
            }

            var kind = _text[tagStart + 1];
            var modifier = tagStart + 2 < _text.Length && _text[tagStart + 2] is '-' or '+' ? _text[tagStart + 2] : '\0';
            var text = _text[_position..tagStart];
            if (modifier == '-')
            {
                text = TrimEndWhitespace(text);
            }
            else if (modifier != '+' && _lstripBlocks && kind != '{')
            {
                var lineStart = text.LastIndexOf('\n') + 1;
                if ((lineStart > 0 || _lineStarting) && lineStart < text.Length && IsAllWhitespace(text, lineStart))
                {
                    text = text[..lineStart];
                }
            }

            AddText(text, _position);
            _position = tagStart + 2 + (modifier == '\0' ? 0 : 1);
            _lineStarting = false;
            switch (kind)
            {
                case '#':
                    LexComment(tagStart);
                    break;
                case '{':
                    LexTag(TokenKind.VariableBegin, TokenKind.VariableEnd, tagStart);
                    break;
                default:
                    if (!TryLexRaw(tagStart))
                    {
                        LexTag(TokenKind.BlockBegin, TokenKind.BlockEnd, tagStart);
                    }

                    break;
            }
        }

        _tokens.Add(new Token(TokenKind.End, string.Empty, _text.Length));
    }

    private int FindTagStart(int from)
    {
        var index = from;
        while (true)
        {
            index = _text.IndexOf('{', index);
            if (index < 0 || index + 1 >= _text.Length)
            {
                return -1;
            }

            if (_text[index + 1] is '{' or '%' or '#')
            {
                return index;
            }

            index++;
        }
    }

    private void AddText(string text, int offset)
    {
        if (text.Length > 0)
        {
            _tokens.Add(new Token(TokenKind.Text, text, offset));
        }
    }

    private void LexComment(int tagStart)
    {
        var end = _text.IndexOf("#}", _position, StringComparison.Ordinal);
        if (end < 0)
        {
            throw Error(tagStart, "the comment opened here is never closed with '#}'");
        }

        var modifier = end > _position && _text[end - 1] is '-' or '+' ? _text[end - 1] : '\0';
        _position = end + 2;
        FinishTag(modifier, trims: true);
    }

    // After a closing delimiter: '-' eats all following whitespace, '+' keeps it, otherwise trim_blocks eats one newline.
    private void FinishTag(char modifier, bool trims)
    {
        if (modifier == '-')
        {
            var start = _position;
            while (_position < _text.Length && PythonText.IsSpace(_text[_position]))
            {
                _position++;
            }

            _lineStarting = _position > start && _text[_position - 1] == '\n';
        }
        else if (modifier != '+' && trims && _trimBlocks && _position < _text.Length && _text[_position] == '\n')
        {
            _position++;
            _lineStarting = true;
        }
        else
        {
            _lineStarting = false;
        }
    }

    private bool TryLexRaw(int tagStart)
    {
        var cursor = SkipSpaces(_position);
        if (!IsWordAt(cursor, "raw"))
        {
            return false;
        }

        cursor = SkipSpaces(cursor + 3);
        var beginModifier = '\0';
        if (cursor < _text.Length && _text[cursor] == '-')
        {
            beginModifier = '-';
            cursor++;
        }

        if (!AtOrdinal(cursor, "%}"))
        {
            return false;
        }

        _position = cursor + 2;
        if (beginModifier == '-')
        {
            FinishTag('-', trims: false);
        }

        // The body runs to the first {% endraw %}, which may carry its own whitespace control.
        var search = _position;
        while (true)
        {
            var open = _text.IndexOf("{%", search, StringComparison.Ordinal);
            if (open < 0)
            {
                throw Error(tagStart, "the '{% raw %}' opened here is never closed with '{% endraw %}'");
            }

            var inner = open + 2;
            var openModifier = inner < _text.Length && _text[inner] is '-' or '+' ? _text[inner] : '\0';
            if (openModifier != '\0')
            {
                inner++;
            }

            inner = SkipSpaces(inner);
            if (!IsWordAt(inner, "endraw"))
            {
                search = open + 2;
                continue;
            }

            inner = SkipSpaces(inner + 6);
            var closeModifier = inner < _text.Length && _text[inner] is '-' or '+' ? _text[inner] : '\0';
            if (closeModifier != '\0')
            {
                inner++;
            }

            if (!AtOrdinal(inner, "%}"))
            {
                throw Error(open, "expected '%}' after 'endraw'");
            }

            var body = _text[_position..open];
            if (openModifier == '-')
            {
                body = TrimEndWhitespace(body);
            }
            else if (openModifier != '+' && _lstripBlocks)
            {
                var lineStart = body.LastIndexOf('\n') + 1;
                if (lineStart > 0 && lineStart < body.Length && IsAllWhitespace(body, lineStart))
                {
                    body = body[..lineStart];
                }
            }

            AddText(body, _position);
            _position = inner + 2;
            FinishTag(closeModifier, trims: true);
            return true;
        }
    }

    private void LexTag(TokenKind begin, TokenKind end, int tagStart)
    {
        _tokens.Add(new Token(begin, begin == TokenKind.VariableBegin ? "{{" : "{%", tagStart));
        var closer = end == TokenKind.VariableEnd ? "}}" : "%}";
        var brackets = new Stack<(char Closer, int Offset)>();
        while (true)
        {
            while (_position < _text.Length && PythonText.IsSpace(_text[_position]))
            {
                _position++;
            }

            if (_position >= _text.Length)
            {
                var what = end == TokenKind.VariableEnd ? "'{{'" : "'{%'";
                throw brackets.Count > 0
                    ? Error(brackets.Peek().Offset, $"this bracket is never closed with '{brackets.Peek().Closer}'")
                    : Error(tagStart, $"the {what} opened here is never closed with '{closer}'");
            }

            if (brackets.Count == 0 && TryLexTagEnd(end, closer))
            {
                return;
            }

            var c = _text[_position];
            if (char.IsAsciiDigit(c))
            {
                LexNumber();
            }
            else if (c == '_' || char.IsLetter(c))
            {
                var start = _position;
                while (_position < _text.Length && (_text[_position] == '_' || char.IsLetterOrDigit(_text[_position])))
                {
                    _position++;
                }

                _tokens.Add(new Token(TokenKind.Name, _text[start.._position], start));
            }
            else if (c is '\'' or '"')
            {
                LexString();
            }
            else
            {
                LexOperator(brackets);
            }
        }
    }

    private bool TryLexTagEnd(TokenKind end, string closer)
    {
        var start = _position;
        var modifier = '\0';
        if (_text[_position] is '-' or '+' && AtOrdinal(_position + 1, closer))
        {
            modifier = _text[_position];
            if (modifier == '+' && end == TokenKind.VariableEnd)
            {
                return false;
            }

            _position++;
        }
        else if (!AtOrdinal(_position, closer))
        {
            return false;
        }

        _position += 2;
        _tokens.Add(new Token(end, closer, start));
        FinishTag(modifier, trims: end == TokenKind.BlockEnd);
        return true;
    }

    private void LexNumber()
    {
        var start = _position;
        var previousIsDot = start > 0 && _text[start - 1] == '.';
        if (_text[start] == '0' && start + 1 < _text.Length && char.ToLowerInvariant(_text[start + 1]) is 'x' or 'o' or 'b')
        {
            LexPrefixedInteger(start);
            return;
        }

        SkipDigits();
        var isFloat = false;
        if (!previousIsDot && _position + 1 < _text.Length && _text[_position] == '.' && char.IsAsciiDigit(_text[_position + 1]))
        {
            _position++;
            SkipDigits();
            isFloat = true;
        }

        if (!previousIsDot && _position < _text.Length && _text[_position] is 'e' or 'E')
        {
            var exponent = _position + 1;
            if (exponent < _text.Length && _text[exponent] is '+' or '-')
            {
                exponent++;
            }

            if (exponent < _text.Length && char.IsAsciiDigit(_text[exponent]))
            {
                _position = exponent;
                SkipDigits();
                isFloat = true;
            }
        }

        var literal = _text[start.._position];
        var digits = literal.Replace("_", string.Empty, StringComparison.Ordinal);
        if (isFloat)
        {
            _tokens.Add(new Token(TokenKind.Float, literal, start, double.Parse(digits, NumberStyles.Float, CultureInfo.InvariantCulture)));
            return;
        }

        if (digits.Length > 1 && digits[0] == '0' && digits.Any(d => d != '0'))
        {
            throw Error(start, $"'{literal}': leading zeros are not allowed in integer literals");
        }

        if (!long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            throw Error(start, $"the integer {literal} does not fit in 64 bits");
        }

        _tokens.Add(new Token(TokenKind.Integer, literal, start, value));
    }

    private void LexPrefixedInteger(int start)
    {
        var radix = char.ToLowerInvariant(_text[start + 1]) switch { 'x' => 16, 'o' => 8, _ => 2 };
        _position = start + 2;
        long value = 0;
        var any = false;
        while (_position < _text.Length)
        {
            var c = _text[_position];
            var digit = c == '_' ? -2 : HexValue(c);
            if (digit == -2)
            {
                _position++;
                continue;
            }

            if (digit < 0 || digit >= radix)
            {
                break;
            }

            value = checked((value * radix) + digit);
            any = true;
            _position++;
        }

        if (!any)
        {
            throw Error(start, "an integer prefix (0x, 0o, 0b) must be followed by digits");
        }

        _tokens.Add(new Token(TokenKind.Integer, _text[start.._position], start, value));
    }

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };

    private void SkipDigits()
    {
        while (_position < _text.Length && (char.IsAsciiDigit(_text[_position])
                   || (_text[_position] == '_' && _position + 1 < _text.Length && char.IsAsciiDigit(_text[_position + 1]))))
        {
            _position++;
        }
    }

    private void LexString()
    {
        var start = _position;
        var quote = _text[_position++];
        var builder = new StringBuilder();
        while (true)
        {
            if (_position >= _text.Length)
            {
                throw Error(start, "this string literal is never closed");
            }

            var c = _text[_position++];
            if (c == quote)
            {
                break;
            }

            if (c != '\\')
            {
                builder.Append(c);
                continue;
            }

            if (_position >= _text.Length)
            {
                throw Error(start, "this string literal is never closed");
            }

            DecodeEscape(builder, _position - 1);
        }

        _tokens.Add(new Token(TokenKind.String, builder.ToString(), start));
    }

    // Python's unicode-escape rules, as Jinja applies them to string literals; unknown escapes stay as written.
    private void DecodeEscape(StringBuilder builder, int backslash)
    {
        var c = _text[_position++];
        switch (c)
        {
            case '\n':
                return;
            case '\\':
            case '\'':
            case '"':
                builder.Append(c);
                return;
            case 'a':
                builder.Append('\a');
                return;
            case 'b':
                builder.Append('\b');
                return;
            case 'f':
                builder.Append('\f');
                return;
            case 'n':
                builder.Append('\n');
                return;
            case 'r':
                builder.Append('\r');
                return;
            case 't':
                builder.Append('\t');
                return;
            case 'v':
                builder.Append('\v');
                return;
            case 'x':
                builder.Append((char)ReadHex(2, backslash));
                return;
            case 'u':
                builder.Append((char)ReadHex(4, backslash));
                return;
            case 'U':
                var codePoint = ReadHex(8, backslash);
                if (codePoint > 0x10FFFF)
                {
                    throw Error(backslash, "\\U escape beyond the Unicode range");
                }

                builder.Append(char.ConvertFromUtf32(codePoint));
                return;
            case 'N':
                throw Error(backslash, "named Unicode escapes (\\N{...}) are not supported");
            case >= '0' and <= '7':
                var value = c - '0';
                for (var i = 0; i < 2 && _position < _text.Length && _text[_position] is >= '0' and <= '7'; i++)
                {
                    value = (value * 8) + (_text[_position++] - '0');
                }

                builder.Append((char)value);
                return;
            default:
                builder.Append('\\').Append(c);
                return;
        }
    }

    private int ReadHex(int count, int backslash)
    {
        var value = 0;
        for (var i = 0; i < count; i++)
        {
            var digit = _position < _text.Length ? HexValue(_text[_position]) : -1;
            if (digit < 0)
            {
                throw Error(backslash, $"truncated escape: expected {count} hexadecimal digits");
            }

            value = (value * 16) + digit;
            _position++;
        }

        return value;
    }

    private void LexOperator(Stack<(char Closer, int Offset)> brackets)
    {
        var start = _position;
        var op = TwoCharacterOperators.FirstOrDefault(candidate => AtOrdinal(start, candidate));
        if (op is null)
        {
            var c = _text[start];
            if (!OneCharacterOperators.Contains(c, StringComparison.Ordinal))
            {
                throw Error(start, $"unexpected character '{c}'");
            }

            op = c.ToString();
            switch (c)
            {
                case '(':
                    brackets.Push((')', start));
                    break;
                case '[':
                    brackets.Push((']', start));
                    break;
                case '{':
                    brackets.Push(('}', start));
                    break;
                case ')' or ']' or '}':
                    if (brackets.Count == 0)
                    {
                        throw Error(start, $"unexpected '{c}'");
                    }

                    var (expected, _) = brackets.Pop();
                    if (expected != c)
                    {
                        throw Error(start, $"unexpected '{c}', expected '{expected}'");
                    }

                    break;
            }
        }

        _position = start + op.Length;
        _tokens.Add(new Token(TokenKind.Operator, op, start));
    }

    private int SkipSpaces(int index)
    {
        while (index < _text.Length && PythonText.IsSpace(_text[index]))
        {
            index++;
        }

        return index;
    }

    private bool IsWordAt(int index, string word)
        => AtOrdinal(index, word)
           && (index + word.Length >= _text.Length || !(char.IsLetterOrDigit(_text[index + word.Length]) || _text[index + word.Length] == '_'));

    private bool AtOrdinal(int index, string value)
        => index >= 0 && index + value.Length <= _text.Length && string.CompareOrdinal(_text, index, value, 0, value.Length) == 0;

    private static string TrimEndWhitespace(string text)
    {
        var end = text.Length;
        while (end > 0 && PythonText.IsSpace(text[end - 1]))
        {
            end--;
        }

        return text[..end];
    }

    private static bool IsAllWhitespace(string text, int from)
    {
        for (var i = from; i < text.Length; i++)
        {
            if (!PythonText.IsSpace(text[i]))
            {
                return false;
            }
        }

        return true;
    }

    private TemplateException Error(int offset, string problem) => new(_source, offset, problem);
}
