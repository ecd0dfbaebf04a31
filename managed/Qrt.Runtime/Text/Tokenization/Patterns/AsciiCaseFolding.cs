namespace Qrt.Runtime.Text.Tokenization;

/// <summary>What Oniguruma's case-insensitive matching makes of ASCII letters.</summary>
internal static class AsciiCaseFolding
{
    /// <summary>Letter pairs whose case-insensitive match Oniguruma extends to one character by full case folding (CaseFolding.txt, status F).</summary>
    public static bool FoldsFromOneCharacter(char first, char second) =>
        (first, second) is ('f', 'f') or ('f', 'i') or ('f', 'l') or ('s', 's') or ('s', 't');

    /// <summary>
    /// The characters an ASCII letter matches case-insensitively under Unicode simple case folding: both cases,
    /// and U+017F LATIN SMALL LETTER LONG S for s, U+212A KELVIN SIGN for k.
    /// </summary>
    public static string CaseVariants(char letter)
    {
        var lower = (char)(letter | 0x20);
        var upper = (char)(lower & ~0x20);
        return lower switch
        {
            's' => "sS\u017F",
            'k' => "kK\u212A",
            _ => new string([lower, upper]),
        };
    }

    public static bool IsAsciiLetter(int c) => c is >= 'a' and <= 'z' or >= 'A' and <= 'Z';
}
