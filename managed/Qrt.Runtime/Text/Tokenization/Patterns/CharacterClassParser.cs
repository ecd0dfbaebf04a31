using System.Text;

namespace Qrt.Runtime.Text.Tokenization;

/// <summary>
/// Translates bracket classes (ranges, nested classes, <c>&amp;&amp;</c> intersections, POSIX brackets) and the set
/// escapes <c>\d \s \h \p{..}</c>, recording every character they name by value in <see cref="PatternLiterals" />.
/// </summary>
internal sealed class CharacterClassParser(PatternReader reader, PatternLiterals literals)
{
    /// <summary>Translates the bracket class at '['.</summary>
    public string Parse(PatternOptions options)
    {
        var source = reader.Source;
        var start = reader.Position;
        reader.Position++; // '['
        var negated = false;
        if (reader.Peek() == '^')
        {
            negated = true;
            reader.Position++;
        }

        var operands = new List<ClassUnion>();
        var union = new ClassUnion();
        var first = true;
        while (true)
        {
            if (reader.AtEnd)
            {
                throw reader.Error(start, 1, "an unterminated character class");
            }

            var itemStart = reader.Position;
            var c = reader.Peek();
            if (c == ']' && !first)
            {
                reader.Position++;
                break;
            }

            if (c == '&' && reader.Peek(1) == '&')
            {
                if (union.IsEmpty)
                {
                    throw reader.Error(itemStart, 2, "'&&' needs a set on both sides");
                }

                operands.Add(union);
                union = new ClassUnion();
                reader.Position += 2;
                first = false;
                continue;
            }

            first = false;
            if (c == '[')
            {
                if (reader.Peek(1) == ':')
                {
                    ParsePosixBracket(union);
                    ThrowIfRangeFollows(itemStart);
                    continue;
                }

                reader.EnterNesting(itemStart);
                var nested = Parse(options);
                reader.LeaveNesting();
                union.Alternatives.Add(nested);
                ThrowIfRangeFollows(itemStart);
                continue;
            }

            if (c == '\\' && reader.Position + 1 < source.Length)
            {
                reader.Position++;
                var setUnion = new ClassUnion();
                if (TryParseClassEscape(setUnion, options, itemStart, out var setNegated))
                {
                    if (setNegated)
                    {
                        union.Alternatives.Add(setUnion.Emit(negated: true));
                    }
                    else
                    {
                        union.Items.Append(setUnion.Items);
                    }

                    ThrowIfRangeFollows(itemStart);
                    continue;
                }

                if (source[reader.Position] is 'w' or 'W')
                {
                    throw reader.Error(itemStart, 2, "Oniguruma's word characters (the Alphabetic property, marks, decimal digits, connector punctuation) have no exact .NET equivalent");
                }

                if (source[reader.Position] is 'R' or 'N' or 'O' or 'X' or 'A' or 'z' or 'Z' or 'G' or 'K' or 'k' or 'g')
                {
                    throw reader.Error(itemStart, 2, "this escape is not supported in a character class");
                }

                var low = CharacterEscapeReader.Read(reader, itemStart, inClass: true);
                AddClassCharacter(union, low, options, itemStart);
                continue;
            }

            if (c == '-' && union.IsEmpty && operands.Count == 0 && reader.Position == start + (negated ? 2 : 1))
            {
                reader.Position++;
                AddRange(union, '-', '-', options, itemStart);
                continue;
            }

            if (c == '-' && reader.Peek(1) == ']')
            {
                reader.Position++;
                AddRange(union, '-', '-', options, itemStart);
                continue;
            }

            if (c == '-')
            {
                throw reader.Error(itemStart, 1, "a '-' that is not between two characters is ambiguous; escape it as \\-");
            }

            AddClassCharacter(union, reader.ReadPatternCharacter(), options, itemStart);
        }

        if (union.IsEmpty)
        {
            throw reader.Error(start, reader.Position - start, operands.Count > 0 ? "'&&' needs a set on both sides" : "an empty character class");
        }

        operands.Add(union);
        if (operands.Count == 1)
        {
            return union.Emit(negated);
        }

        var intersection = new StringBuilder("(?:");
        for (var i = 0; i < operands.Count - 1; i++)
        {
            intersection.Append("(?=").Append(operands[i].Emit(negated: false)).Append(')');
        }

        intersection.Append(operands[^1].Emit(negated: false)).Append(')');
        return negated ? "(?:(?!" + intersection + ")(?s:.))" : intersection.ToString();
    }

    /// <summary>\d \D \s \S \h \H \p{..} \P{..}: adds the set to <paramref name="union" />, or its complement via <paramref name="negated" />.</summary>
    public bool TryParseClassEscape(ClassUnion union, PatternOptions options, int start, out bool negated)
    {
        negated = false;
        var c = reader.Source[reader.Position];
        switch (c)
        {
            case 'd' or 'D':
                reader.Position++;
                union.Items.Append(c == 'd' ? @"\p{Nd}" : @"\P{Nd}");
                return true;
            case 's' or 'S':
                reader.Position++;
                AddRanges(union, OnigurumaCharacterSets.WhiteSpace);
                negated = c == 'S';
                return true;
            case 'h' or 'H':
                reader.Position++;
                AddRanges(union, OnigurumaCharacterSets.HexDigits);
                negated = c == 'H';
                return true;
            case 'p' or 'P':
                PropertyEscapeReader.Read(reader, union, options, start, out negated);
                return true;
            default:
                return false;
        }
    }

    /// <summary>Adds a predefined set (\s, \h, \R's characters): each is closed under case folding, so case-insensitivity changes nothing.</summary>
    public void AddRanges(ClassUnion union, (char First, char Last)[] ranges)
    {
        foreach (var (first, last) in ranges)
        {
            AddRange(union, first, last, default, 0);
        }
    }

    private void AddRange(ClassUnion union, char first, char last, PatternOptions options, int start)
    {
        literals.Add(first, last);
        RegexLiteral.Append(union.Items, first, inClass: true);
        if (last != first)
        {
            union.Items.Append('-');
            RegexLiteral.Append(union.Items, last, inClass: true);
        }

        if (!options.IgnoreCase)
        {
            return;
        }

        if (last > 0x7F)
        {
            throw reader.ErrorFrom(start, "case-insensitive matching of non-ASCII characters is not supported (Oniguruma applies Unicode full case folding)");
        }

        for (var c = first; c <= last; c++)
        {
            if (AsciiCaseFolding.IsAsciiLetter(c))
            {
                foreach (var variant in AsciiCaseFolding.CaseVariants(c))
                {
                    literals.Add(variant, variant);
                    RegexLiteral.Append(union.Items, variant, inClass: true);
                }
            }
        }
    }

    /// <summary>Adds a character, or the range it starts when '-' and a second character follow.</summary>
    private void AddClassCharacter(ClassUnion union, char low, PatternOptions options, int itemStart)
    {
        if (reader.Peek() != '-' || reader.Peek(1) == ']' || reader.Position + 1 >= reader.Source.Length)
        {
            AddRange(union, low, low, options, itemStart);
            return;
        }

        reader.Position++; // '-'
        char high;
        if (reader.Peek() == '\\')
        {
            reader.Position++;
            if (reader.AtEnd || reader.Source[reader.Position] is 'd' or 'D' or 's' or 'S' or 'h' or 'H' or 'p' or 'P' or 'w' or 'W')
            {
                throw reader.ErrorFrom(itemStart, "a range must end in a character");
            }

            high = CharacterEscapeReader.Read(reader, itemStart, inClass: true);
        }
        else if (reader.Peek() is '[' or '-' || reader.LookingAt("&&"))
        {
            throw reader.Error(itemStart, reader.Position - itemStart + 1, "a '-' that is not between two characters is ambiguous; escape it as \\-");
        }
        else
        {
            high = reader.ReadPatternCharacter();
        }

        if (high < low)
        {
            throw reader.ErrorFrom(itemStart, "a range whose end comes before its start");
        }

        AddRange(union, low, high, options, itemStart);
        ThrowIfRangeFollows(itemStart);
    }

    /// <summary>Oniguruma reads "a-b-c" and "\d-x" in its own ways; a '-' there must be escaped.</summary>
    private void ThrowIfRangeFollows(int itemStart)
    {
        if (reader.Peek() == '-' && reader.Peek(1) != ']' && reader.Position + 1 < reader.Source.Length)
        {
            throw reader.Error(itemStart, reader.Position - itemStart + 1, "a '-' that is not between two characters is ambiguous; escape it as \\-");
        }
    }

    private void ParsePosixBracket(ClassUnion union)
    {
        var source = reader.Source;
        var start = reader.Position;
        var close = source.IndexOf(":]", reader.Position + 2, StringComparison.Ordinal);
        var name = close < 0 ? string.Empty : source[(reader.Position + 2)..close];
        var negated = name.StartsWith('^');
        var bare = negated ? name[1..] : name;
        var ranges = bare switch
        {
            "space" => OnigurumaCharacterSets.WhiteSpace,
            "xdigit" => OnigurumaCharacterSets.HexDigits,
            _ => null,
        };
        if (bare != "digit" && ranges is null)
        {
            throw reader.Error(start, close < 0 ? 2 : close + 2 - start, "only the POSIX brackets [:space:], [:digit:] and [:xdigit:] are supported ([: that starts no bracket must be escaped)");
        }

        reader.Position = close + 2;
        var set = new ClassUnion();
        if (ranges is null)
        {
            set.Items.Append(@"\p{Nd}");
        }
        else
        {
            AddRanges(set, ranges);
        }

        if (negated)
        {
            union.Alternatives.Add(set.Emit(negated: true));
        }
        else
        {
            union.Items.Append(set.Items);
        }
    }
}
