namespace Qrt.Runtime.Text.Unicode;

/// <summary>
/// The algorithmic decomposition and composition of the 11,172 precomposed Hangul syllables (Unicode §3.12):
/// a syllable is a leading consonant, a vowel and an optional trailing consonant, and its code point is
/// computed from theirs, so no table lists them.
/// </summary>
internal static class HangulSyllables
{
    private const int SyllableBase = 0xAC00;
    private const int LeadingBase = 0x1100;
    private const int VowelBase = 0x1161;
    private const int TrailingBase = 0x11A7;
    private const int LeadingCount = 19;
    private const int VowelCount = 21;
    private const int TrailingCount = 28;
    private const int SyllablesPerLeading = VowelCount * TrailingCount;
    private const int SyllableCount = LeadingCount * SyllablesPerLeading;

    /// <summary>Whether <paramref name="codePoint" /> is a precomposed Hangul syllable.</summary>
    public static bool IsSyllable(int codePoint) => (uint)(codePoint - SyllableBase) < SyllableCount;

    /// <summary>
    /// Writes the jamo of the syllable <paramref name="codePoint" /> (two or three) to <paramref name="jamo" /> and
    /// returns how many.
    /// </summary>
    public static int Decompose(int codePoint, Span<int> jamo)
    {
        var index = codePoint - SyllableBase;
        jamo[0] = LeadingBase + (index / SyllablesPerLeading);
        jamo[1] = VowelBase + (index % SyllablesPerLeading / TrailingCount);
        var trailing = index % TrailingCount;
        if (trailing == 0)
        {
            return 2;
        }

        jamo[2] = TrailingBase + trailing;
        return 3;
    }

    /// <summary>Composes a leading consonant and a vowel, or a two-jamo syllable and a trailing consonant.</summary>
    public static bool TryCompose(int first, int second, out int syllable)
    {
        var leading = first - LeadingBase;
        var vowel = second - VowelBase;
        if ((uint)leading < LeadingCount && (uint)vowel < VowelCount)
        {
            syllable = SyllableBase + (leading * SyllablesPerLeading) + (vowel * TrailingCount);
            return true;
        }

        var index = first - SyllableBase;
        var trailing = second - TrailingBase;
        if ((uint)index < SyllableCount && index % TrailingCount == 0 && trailing > 0 && trailing < TrailingCount)
        {
            syllable = first + trailing;
            return true;
        }

        syllable = 0;
        return false;
    }
}
