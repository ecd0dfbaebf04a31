namespace Qrt.Runtime.Text.Tokenization;

/// <summary>Reads option switches: <c>(?im-x)</c> on its own, and the letters of <c>(?im-x:...)</c>.</summary>
internal static class PatternOptionsReader
{
    /// <summary>The letters Oniguruma reads as options; those other than i and m are read only to be rejected by name.</summary>
    public static bool IsOptionLetter(char c) => c is 'i' or 'm' or '-' or 'x' or 'W' or 'D' or 'S' or 'P' or 'y' or 'a' or 'I' or 'L' or 'C';

    /// <summary>Reads a group of options alone, as in <c>(?i)</c>; anything else is left unread.</summary>
    public static bool TryReadOptionsOnly(PatternReader reader, PatternOptions options, out PatternOptions changed)
    {
        changed = options;
        if (!reader.LookingAt("(?"))
        {
            return false;
        }

        var source = reader.Source;
        var position = reader.Position + 2;
        while (position < source.Length && IsOptionLetter(source[position]))
        {
            position++;
        }

        if (position == reader.Position + 2 || position >= source.Length || source[position] != ')')
        {
            return false;
        }

        changed = Read(reader, reader.Position + 2, position, options);
        reader.Position = position + 1;
        return true;
    }

    /// <summary>Applies the option letters from <paramref name="from" /> up to <paramref name="to" /> to <paramref name="options" />.</summary>
    public static PatternOptions Read(PatternReader reader, int from, int to, PatternOptions options)
    {
        var negate = false;
        for (var i = from; i < to; i++)
        {
            switch (reader.Source[i])
            {
                case '-':
                    negate = true;
                    break;
                case 'i':
                    options = options with { IgnoreCase = !negate };
                    break;
                case 'm':
                    options = options with { DotAll = !negate };
                    break;
                default:
                    throw reader.Error(i, 1, $"the option '{reader.Source[i]}' is not supported (only i and m are)");
            }
        }

        return options;
    }
}
