namespace Qrt.Runtime.Text.Tokenization;

/// <summary>Reads <c>\p{..}</c> and <c>\P{..}</c>, of which only general categories have an exact .NET equivalent.</summary>
internal static class PropertyEscapeReader
{
    /// <summary>Reads the property at 'p' or 'P' into <paramref name="union" />, or its complement via <paramref name="negated" />.</summary>
    public static void Read(PatternReader reader, ClassUnion union, PatternOptions options, int start, out bool negated)
    {
        var source = reader.Source;
        negated = source[reader.Position] == 'P';
        reader.Position++;
        if (reader.Peek() != '{')
        {
            throw reader.Error(start, 2, "a property needs braces, as in \\p{L}");
        }

        reader.Position++;
        if (reader.Peek() == '^')
        {
            negated = !negated;
            reader.Position++;
        }

        var close = source.IndexOf('}', reader.Position);
        if (close < 0)
        {
            throw reader.ErrorFrom(start, "an unterminated \\p{");
        }

        var name = source.AsSpan(reader.Position, close - reader.Position);
        reader.Position = close + 1;
        if (!UnicodeGeneralCategories.TryGet(name, out var categories))
        {
            throw reader.ErrorFrom(start, "only Unicode general categories (such as \\p{L}, \\p{Lu}, \\p{Letter}) are supported; scripts, blocks and binary properties are not");
        }

        if (options.IgnoreCase)
        {
            throw reader.ErrorFrom(start, "a property under case-insensitive matching is not supported (Oniguruma adds the case variants of its members)");
        }

        if (categories.Length == 1)
        {
            union.Items.Append(negated ? @"\P{" : @"\p{").Append(categories[0]).Append('}');
            negated = false;
            return;
        }

        foreach (var category in categories)
        {
            union.Items.Append(@"\p{").Append(category).Append('}');
        }
    }
}
