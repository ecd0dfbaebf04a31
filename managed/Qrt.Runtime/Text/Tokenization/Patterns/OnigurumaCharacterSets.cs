namespace Qrt.Runtime.Text.Tokenization;

/// <summary>The predefined sets of Oniguruma that are ranges of BMP characters.</summary>
internal static class OnigurumaCharacterSets
{
    /// <summary>Oniguruma's <c>\s</c>: the Unicode White_Space property (PropList.txt).</summary>
    public static readonly (char First, char Last)[] WhiteSpace =
    [
        ('\t', '\r'), (' ', ' '), ('\u0085', '\u0085'), ('\u00A0', '\u00A0'), ('\u1680', '\u1680'),
        ('\u2000', '\u200A'), ('\u2028', '\u2029'), ('\u202F', '\u202F'), ('\u205F', '\u205F'), ('\u3000', '\u3000'),
    ];

    /// <summary>Oniguruma's <c>\h</c>: ASCII hexadecimal digits.</summary>
    public static readonly (char First, char Last)[] HexDigits = [('0', '9'), ('A', 'F'), ('a', 'f')];

    /// <summary>Oniguruma's <c>\R</c> without its <c>\r\n</c> alternative.</summary>
    public static readonly (char First, char Last)[] NewlineCharacters =
        [('\n', '\r'), ('\u0085', '\u0085'), ('\u2028', '\u2029')];
}
