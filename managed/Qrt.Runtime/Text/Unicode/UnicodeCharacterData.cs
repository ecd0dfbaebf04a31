using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Tables = Qrt.Runtime.Text.Unicode.UnicodeNormalizationTables;

namespace Qrt.Runtime.Text.Unicode;

/// <summary>
/// Per-code-point normalization properties read from the generated <see cref="UnicodeNormalizationTables" />.
/// Surrogate code points (lone surrogates in text) read as plain starters that every form leaves unchanged.
/// </summary>
internal static class UnicodeCharacterData
{
    /// <summary>Bits 0-7 of a property value: the canonical combining class.</summary>
    public const int CombiningClassMask = 0xFF;

    /// <summary>The code point never occurs in NFD text (it has a canonical decomposition).</summary>
    public const int NotInNfd = 1 << 8;

    /// <summary>The code point never occurs in NFKD text (it has a decomposition of either kind).</summary>
    public const int NotInNfkd = 1 << 9;

    /// <summary>The code point never occurs in NFC text (excluded composites, singletons, non-starter decompositions).</summary>
    public const int NotInNfc = 1 << 10;

    /// <summary>The code point never occurs in NFKC text.</summary>
    public const int NotInNfkc = 1 << 11;

    /// <summary>
    /// The code point is the second of a canonical composition pair (Hangul vowel and trailing jamo included), so
    /// whether text containing it is in NFC or NFKC depends on what precedes it.
    /// </summary>
    public const int CombinesBackward = 1 << 12;

    private const int PropertyBlockMask = (1 << Tables.PropertyBlockShift) - 1;
    private const int DecompositionBlockMask = (1 << Tables.DecompositionBlockShift) - 1;
    private const int DecompositionLengthMask = (1 << Tables.DecompositionLengthBits) - 1;

    /// <summary>The combining class and flags of <paramref name="codePoint" />.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int GetProperties(int codePoint)
    {
        if ((uint)codePoint >= Tables.DataLimit)
        {
            return 0;
        }

        int block = Tables.PropertyBlocks[codePoint >> Tables.PropertyBlockShift];
        return Tables.Properties[(block << Tables.PropertyBlockShift) | (codePoint & PropertyBlockMask)];
    }

    /// <summary>The canonical combining class of <paramref name="codePoint" /> (0 for starters).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int GetCombiningClass(int codePoint) => GetProperties(codePoint) & CombiningClassMask;

    /// <summary>
    /// The full (recursively applied, not yet reordered) decomposition of <paramref name="codePoint" /> as UTF-16,
    /// canonical only or canonical and compatibility; empty where there is none. Hangul syllables are not in the
    /// tables: see <see cref="HangulSyllables" />.
    /// </summary>
    public static ReadOnlySpan<char> GetDecomposition(int codePoint, bool compatibility)
    {
        if ((uint)codePoint >= Tables.DataLimit)
        {
            return default;
        }

        int block = Tables.DecompositionBlocks[codePoint >> Tables.DecompositionBlockShift];
        int entry = Tables.DecompositionIndices[(block << Tables.DecompositionBlockShift) | (codePoint & DecompositionBlockMask)];
        if (entry == 0)
        {
            return default;
        }

        var reference = (int)(compatibility ? Tables.CompatibilityDecompositions[entry] : Tables.CanonicalDecompositions[entry]);
        return MemoryMarshal.Cast<ushort, char>(Tables.DecompositionText)
            .Slice(reference >> Tables.DecompositionLengthBits, reference & DecompositionLengthMask);
    }

    /// <summary>The primary composite of <paramref name="first" /> followed by <paramref name="second" />, or -1.</summary>
    public static int Compose(int first, int second)
    {
        if (HangulSyllables.TryCompose(first, second, out var syllable))
        {
            return syllable;
        }

        if ((GetProperties(second) & CombinesBackward) == 0)
        {
            return -1;
        }

        var firsts = Tables.CompositionFirsts;
        var seconds = Tables.CompositionSeconds;
        int low = 0;
        int high = firsts.Length - 1;
        while (low <= high)
        {
            var middle = (low + high) >>> 1;
            var order = firsts[middle] != (uint)first
                ? firsts[middle].CompareTo((uint)first)
                : seconds[middle].CompareTo((uint)second);
            if (order == 0)
            {
                return (int)Tables.CompositionResults[middle];
            }

            if (order < 0)
            {
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        return -1;
    }
}
