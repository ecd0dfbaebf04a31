namespace Qrt.Runtime.Text.Tokenization;

/// <summary>
/// The Oniguruma pattern being translated, the read position in it and the nesting depth of groups and classes;
/// makes the <see cref="PatternException" />s that point into it.
/// </summary>
internal sealed class PatternReader(string source)
{
    // Deeper nesting is refused rather than risking the stack (Oniguruma's own limit is 4096).
    private const int MaxDepth = 500;

    private int _depth;

    public string Source { get; } = source;

    public int Position { get; set; }

    public bool AtEnd => Position >= Source.Length;

    public char Peek(int ahead = 0) => Position + ahead < Source.Length ? Source[Position + ahead] : '\0';

    public bool LookingAt(string text) => string.CompareOrdinal(Source, Position, text, 0, text.Length) == 0;

    public PatternException Error(int offset, int length, string problem)
    {
        var end = Math.Min(Source.Length, offset + Math.Max(length, 1));
        return new PatternException(Source, offset, Source[offset..end], problem);
    }

    public PatternException ErrorFrom(int offset, string problem) => Error(offset, Position - offset, problem);

    public void EnterNesting(int start)
    {
        if (++_depth > MaxDepth)
        {
            throw Error(start, 1, $"groups or classes nested more than {MaxDepth} deep");
        }
    }

    public void LeaveNesting() => _depth--;

    /// <summary>Reads one pattern character, refusing supplementary code points and lone surrogates.</summary>
    public char ReadPatternCharacter()
    {
        var start = Position;
        var c = Source[Position++];
        if (char.IsSurrogate(c))
        {
            if (char.IsHighSurrogate(c) && !AtEnd && char.IsLowSurrogate(Source[Position]))
            {
                Position++;
                throw ErrorFrom(start, "a supplementary character in a pattern cannot be matched exactly (supplementary characters are matched by their general category only)");
            }

            throw ErrorFrom(start, "a lone surrogate is not a character");
        }

        return c;
    }

    public void SkipComments()
    {
        while (LookingAt("(?#"))
        {
            var start = Position;
            Position += 3;
            while (true)
            {
                if (AtEnd)
                {
                    throw ErrorFrom(start, "an unterminated (?#...) comment");
                }

                var c = Source[Position++];
                if (c == '\\')
                {
                    Position++;
                }
                else if (c == ')')
                {
                    break;
                }
            }
        }
    }
}
