using System.Globalization;

namespace Qrt.Runtime.Text.Tokenization;

/// <summary>A quantifier as Oniguruma reads it; <see cref="Upper" /> is -1 for no limit.</summary>
internal readonly record struct PatternQuantifier(int Lower, int Upper, bool Lazy, bool Possessive)
{
    /// <summary>One of ? * + ?? *? +? by value: the quantifiers Oniguruma merges when nested.</summary>
    public bool IsPopular => !Possessive && (Lower, Upper) is (0, 1) or (0, -1) or (1, -1);

    public string Apply(string target)
    {
        var suffix = (Lower, Upper) switch
        {
            (0, -1) => "*",
            (1, -1) => "+",
            (0, 1) => "?",
            (_, -1) => string.Create(CultureInfo.InvariantCulture, $"{{{Lower},}}"),
            _ when Lower == Upper => string.Create(CultureInfo.InvariantCulture, $"{{{Lower}}}"),
            _ => string.Create(CultureInfo.InvariantCulture, $"{{{Lower},{Upper}}}"),
        };
        if (Possessive)
        {
            return "(?>" + target + suffix + ")";
        }

        return Lazy ? target + suffix + "?" : target + suffix;
    }
}
