using System.Text;

namespace Qrt.Runtime.Text.Tokenization;

/// <summary>
/// Translates a whole pattern: alternations, sequences, groups, quantified atoms, anchors, escapes and literals;
/// bracket classes and set escapes go to <see cref="CharacterClassParser" />.
/// </summary>
internal sealed class PatternParser
{
    private readonly PatternReader _reader;
    private readonly PatternLiterals _literals = new();
    private readonly CharacterClassParser _classes;

    // The last case-insensitive literal when it was f or s: the start of a pair Oniguruma may match as one character.
    private char _foldLead;

    public PatternParser(string source)
    {
        _reader = new PatternReader(source);
        _classes = new CharacterClassParser(_reader, _literals);
    }

    public PatternTranslation Run()
    {
        var (text, _) = ParseAlternation(new PatternOptions(false, false));
        if (!_reader.AtEnd)
        {
            throw _reader.Error(_reader.Position, 1, "unmatched ')'");
        }

        return new PatternTranslation(text, _literals.Merge());
    }

    /// <summary>Alternatives up to a ')' (not consumed) or the end; also says whether it is one quantifier node.</summary>
    private (string Text, PatternQuantifier? SingleQuantifier) ParseAlternation(PatternOptions options)
    {
        var builder = new StringBuilder();
        var branches = 0;
        PatternQuantifier? single = null;
        while (true)
        {
            var (branch, count, last) = ParseSequence(options);
            builder.Append(branch);
            branches++;
            single = branches == 1 && count == 1 ? last : null;
            if (_reader.AtEnd || _reader.Peek() == ')')
            {
                return (builder.ToString(), single);
            }

            _reader.Position++; // '|'
            _foldLead = '\0';
            builder.Append('|');
        }
    }

    private (string Text, int Count, PatternQuantifier? LastQuantifier) ParseSequence(PatternOptions options)
    {
        var builder = new StringBuilder();
        var count = 0;
        PatternQuantifier? last = null;
        while (true)
        {
            _reader.SkipComments();
            if (_reader.AtEnd || _reader.Peek() is '|' or ')')
            {
                return (builder.ToString(), count, last);
            }

            if (PatternOptionsReader.TryReadOptionsOnly(_reader, options, out var changed))
            {
                // Oniguruma: "(?i)" makes the rest of the enclosing group, later alternatives included, its body.
                var (rest, _) = ParseAlternation(changed);
                builder.Append("(?:").Append(rest).Append(')');
                return (builder.ToString(), count + 1, null);
            }

            var element = ParseQuantified(options);
            builder.Append(element.Text);
            count++;
            last = element.InnerQuantifier;
        }
    }

    private PatternElement ParseQuantified(PatternOptions options)
    {
        var atomStart = _reader.Position;
        var element = ParseAtom(options);
        while (true)
        {
            _reader.SkipComments();
            var quantifierStart = _reader.Position;
            if (!QuantifierReader.TryRead(_reader, out var quantifier))
            {
                return element;
            }

            if (!element.Quantifiable)
            {
                throw _reader.Error(atomStart, quantifierStart - atomStart + 1, "a quantifier cannot follow an anchor or a look-around");
            }

            if (element.InnerQuantifier is { IsPopular: true })
            {
                throw _reader.ErrorFrom(atomStart, "nested quantifiers are rewritten by Oniguruma; write the repetition without nesting");
            }

            var target = element.EndsInQuantifier ? "(?:" + element.Text + ")" : element.Text;
            element = new PatternElement(quantifier.Apply(target), true, quantifier.Possessive ? null : quantifier, !quantifier.Possessive);
        }
    }

    private PatternElement ParseAtom(PatternOptions options)
    {
        var start = _reader.Position;
        var c = _reader.Source[_reader.Position];
        switch (c)
        {
            case '(':
                return ParseGroup(options);
            case '[':
                {
                    _foldLead = '\0';
                    return new PatternElement(_classes.Parse(options), true, null);
                }

            case '.':
                _reader.Position++;
                _foldLead = '\0';
                return new PatternElement(options.DotAll ? "(?s:.)" : ".", true, null);
            case '^':
                _reader.Position++;
                _foldLead = '\0';

                // Oniguruma's '^' is a line start, but never at the very end of the text.
                return new PatternElement(@"(?:\A|(?<=\n)(?!\z))", false, null);
            case '$':
                _reader.Position++;
                _foldLead = '\0';
                return new PatternElement(@"(?=\n|\z)", false, null);
            case '*' or '+' or '?':
                throw _reader.Error(start, 1, "a quantifier with nothing to repeat");
            case '{':
                if (QuantifierReader.TryReadInterval(_reader, out _, out _, out _, out _))
                {
                    throw _reader.ErrorFrom(start, "a quantifier with nothing to repeat");
                }

                _reader.Position++;
                return Literal(c, options, start);
            case '\\':
                return ParseEscape(options);
            default:
                return Literal(_reader.ReadPatternCharacter(), options, start);
        }
    }

    private PatternElement Literal(char c, PatternOptions options, int start)
    {
        if (!options.IgnoreCase)
        {
            _foldLead = '\0';
            _literals.Add(c, c);
            var builder = new StringBuilder();
            RegexLiteral.Append(builder, c, inClass: false);
            return new PatternElement(builder.ToString(), true, null);
        }

        if (c > 0x7F)
        {
            throw _reader.ErrorFrom(start, "case-insensitive matching of a non-ASCII character is not supported (Oniguruma applies Unicode full case folding)");
        }

        if (!AsciiCaseFolding.IsAsciiLetter(c))
        {
            _foldLead = '\0';
            _literals.Add(c, c);
            var builder = new StringBuilder();
            RegexLiteral.Append(builder, c, inClass: false);
            return new PatternElement(builder.ToString(), true, null);
        }

        var lower = (char)(c | 0x20);
        if (_foldLead != '\0' && AsciiCaseFolding.FoldsFromOneCharacter(_foldLead, lower))
        {
            throw _reader.ErrorFrom(start, $"case-insensitive '{_foldLead}{lower}' also matches a single character by Unicode full case folding, which .NET cannot express");
        }

        _foldLead = lower is 'f' or 's' ? lower : '\0';
        var variants = new StringBuilder("[");
        foreach (var variant in AsciiCaseFolding.CaseVariants(c))
        {
            _literals.Add(variant, variant);
            RegexLiteral.Append(variants, variant, inClass: true);
        }

        return new PatternElement(variants.Append(']').ToString(), true, null);
    }

    private PatternElement ParseGroup(PatternOptions options)
    {
        var source = _reader.Source;
        var start = _reader.Position;
        _reader.Position++; // '('
        string open;
        var quantifiable = true;
        var inner = options;
        if (_reader.Peek() == '*')
        {
            throw _reader.Error(start, 2, "callouts are not supported");
        }

        if (_reader.Peek() != '?')
        {
            open = "(?:";
        }
        else
        {
            _reader.Position++;
            var kind = _reader.Peek();
            switch (kind)
            {
                case ':':
                    _reader.Position++;
                    open = "(?:";
                    break;
                case '=' or '!':
                    _reader.Position++;
                    open = "(?" + kind;
                    quantifiable = false;
                    break;
                case '>':
                    _reader.Position++;
                    open = "(?>";
                    break;
                case '<' when _reader.Peek(1) is '=' or '!':
                    open = "(?<" + _reader.Peek(1);
                    _reader.Position += 2;
                    quantifiable = false;
                    break;
                case '<' or '\'':
                    ReadGroupName(start, kind == '<' ? '>' : '\'');
                    open = "(?:";
                    break;
                default:
                    var colon = _reader.Position;
                    while (colon < source.Length && PatternOptionsReader.IsOptionLetter(source[colon]))
                    {
                        colon++;
                    }

                    if (colon == _reader.Position || colon >= source.Length || source[colon] != ':')
                    {
                        throw _reader.Error(start, 3, "this group construct is not supported (conditionals, absent operators, callouts and subexpression calls are not)");
                    }

                    inner = PatternOptionsReader.Read(_reader, _reader.Position, colon, options);
                    _reader.Position = colon + 1;
                    open = "(?:";
                    break;
            }
        }

        _reader.EnterNesting(start);
        var (body, single) = ParseAlternation(inner);
        _reader.LeaveNesting();
        if (_reader.AtEnd)
        {
            throw _reader.Error(start, 1, "an unclosed '('");
        }

        _reader.Position++; // ')'
        if (!quantifiable)
        {
            _foldLead = '\0';
        }

        var text = open + body + ")";
        return new PatternElement(text, quantifiable, open == "(?:" ? single : null);
    }

    private void ReadGroupName(int start, char close)
    {
        _reader.Position++;
        var nameStart = _reader.Position;
        while (!_reader.AtEnd && (char.IsAsciiLetterOrDigit(_reader.Peek()) || _reader.Peek() == '_'))
        {
            _reader.Position++;
        }

        if (_reader.Position == nameStart || char.IsAsciiDigit(_reader.Source[nameStart]) || _reader.Peek() != close)
        {
            throw _reader.ErrorFrom(start, "a malformed group name");
        }

        _reader.Position++;
    }

    private PatternElement ParseEscape(PatternOptions options)
    {
        var start = _reader.Position;
        _reader.Position++; // '\'
        if (_reader.AtEnd)
        {
            throw _reader.Error(start, 1, "a '\\' at the end of the pattern");
        }

        var c = _reader.Source[_reader.Position];
        switch (c)
        {
            case 'A':
                _reader.Position++;
                _foldLead = '\0';
                return new PatternElement(@"\A", false, null);
            case 'z':
                _reader.Position++;
                _foldLead = '\0';
                return new PatternElement(@"\z", false, null);
            case 'Z':
                _reader.Position++;
                _foldLead = '\0';
                return new PatternElement(@"\Z", false, null);
            case 'R':
                {
                    _reader.Position++;
                    _foldLead = '\0';
                    var union = new ClassUnion();
                    _classes.AddRanges(union, OnigurumaCharacterSets.NewlineCharacters);
                    return new PatternElement(@"(?>\r\n|" + union.Emit(negated: false) + ")", true, null);
                }

            case 'N':
                _reader.Position++;
                _foldLead = '\0';
                return new PatternElement(".", true, null);
            case 'O':
                _reader.Position++;
                _foldLead = '\0';
                return new PatternElement("(?s:.)", true, null);
            case 'b' or 'B' or 'w' or 'W':
                throw _reader.Error(start, 2, "Oniguruma's word characters (the Alphabetic property, marks, decimal digits, connector punctuation) have no exact .NET equivalent");
            case 'G' or 'K' or 'X' or 'y' or 'Y' or 'g' or 'k':
                throw _reader.Error(start, 2, "this escape is not supported");
            case >= '1' and <= '9':
                throw _reader.Error(start, 2, "backreferences are not supported");
            default:
                break;
        }

        var union2 = new ClassUnion();
        if (_classes.TryParseClassEscape(union2, options, start, out var negated))
        {
            _foldLead = '\0';
            return new PatternElement(union2.Emit(negated), true, null);
        }

        var value = CharacterEscapeReader.Read(_reader, start, inClass: false);
        return Literal(value, options, start);
    }
}
