using static Qrt.Runtime.Text.Unicode.UnicodeCharacterData;
using Tables = Qrt.Runtime.Text.Unicode.UnicodeNormalizationTables;

namespace Qrt.Runtime.Text.Unicode;

/// <summary>
/// Unicode normalization (UAX #15) with Qrt's own tables (<see cref="Tables.UnicodeVersion" />), because
/// <see cref="string.Normalize()" /> does nothing under invariant globalization (no ICU).
/// </summary>
/// <remarks>
/// Most text is already normalized, so the text is first scanned with the quick check of UAX #15 (vectorized over
/// runs of code points that no form changes, such as ASCII). Only the segments around a code point that may
/// change go through the full algorithm (<see cref="NormalizationSegment" />): a segment runs from the last
/// boundary before that code point to the next boundary after it, where a boundary is a starter that is in the
/// form and cannot combine with what precedes it, so that the text on either side normalizes independently.
/// Lone surrogates pass through unchanged.
/// </remarks>
internal static class UnicodeNormalizer
{
    /// <summary>
    /// <paramref name="text" /> in normalization form <paramref name="form" />; the same instance when it is
    /// already normalized.
    /// </summary>
    public static string Normalize(string text, UnicodeNormalForm form)
    {
        ArgumentNullException.ThrowIfNull(text);
        var rules = FormRules.Of(form);
        var firstUnsafe = FindFirstUnsafe(text, 0, rules);
        return firstUnsafe == text.Length ? text : NormalizeFrom(text, firstUnsafe, rules);
    }

    private static string NormalizeFrom(string text, int firstUnsafe, FormRules rules)
    {
        var output = new PooledBuffer<char>(text.Length + (text.Length >> 3));
        var codePoints = new PooledBuffer<int>(64);
        try
        {
            var position = 0;
            var unsafeIndex = firstUnsafe;
            while (unsafeIndex < text.Length)
            {
                var segmentStart = BoundaryAtOrBefore(text, unsafeIndex, position, rules);
                var segmentEnd = BoundaryAfter(text, unsafeIndex, rules);
                output.Append(text.AsSpan(position, segmentStart - position));
                NormalizationSegment.Normalize(
                    text.AsSpan(segmentStart, segmentEnd - segmentStart), rules.Compatibility, rules.Compose,
                    ref codePoints, ref output);
                position = segmentEnd;
                unsafeIndex = FindFirstUnsafe(text, position, rules);
            }

            output.Append(text.AsSpan(position));
            // A code point that only may change (one that combines backward) can leave the text as it was.
            return output.Items.SequenceEqual(text) ? text : new string(output.Items);
        }
        finally
        {
            codePoints.Dispose();
            output.Dispose();
        }
    }

    /// <summary>
    /// The index of the first code point at or after <paramref name="start" /> (a boundary) that is not in the form,
    /// may combine with what precedes it, or is out of canonical order; the text length if there is none.
    /// </summary>
    private static int FindFirstUnsafe(string text, int start, FormRules rules)
    {
        var span = text.AsSpan();
        var lastClass = 0;
        var index = start;
        while (index < span.Length)
        {
            if (span[index] < rules.QuickCheckLimit)
            {
                var skipped = span[index..].IndexOfAnyExceptInRange('\0', (char)(rules.QuickCheckLimit - 1));
                if (skipped < 0)
                {
                    return span.Length;
                }

                index += skipped;
                lastClass = 0;
            }

            var next = index;
            var properties = GetProperties(NormalizationSegment.ReadCodePoint(span, ref next));
            var combiningClass = properties & CombiningClassMask;
            if ((properties & rules.UnsafeFlags) != 0 || (combiningClass != 0 && combiningClass < lastClass))
            {
                return index;
            }

            lastClass = combiningClass;
            index = next;
        }

        return span.Length;
    }

    /// <summary>The last boundary at or before <paramref name="index" />, but not before <paramref name="floor" />.</summary>
    private static int BoundaryAtOrBefore(string text, int index, int floor, FormRules rules)
    {
        for (; index > floor; index--)
        {
            if (char.IsLowSurrogate(text[index]) && char.IsHighSurrogate(text[index - 1]))
            {
                continue;
            }

            if (IsBoundary(text, index, rules))
            {
                return index;
            }
        }

        return floor;
    }

    /// <summary>The first boundary after the code point at <paramref name="index" />, or the text length.</summary>
    private static int BoundaryAfter(string text, int index, FormRules rules)
    {
        NormalizationSegment.ReadCodePoint(text, ref index);
        while (index < text.Length && !IsBoundary(text, index, rules))
        {
            NormalizationSegment.ReadCodePoint(text, ref index);
        }

        return index;
    }

    private static bool IsBoundary(string text, int index, FormRules rules) =>
        (GetProperties(NormalizationSegment.ReadCodePoint(text, ref index)) & (CombiningClassMask | rules.UnsafeFlags)) == 0;

    /// <summary>What distinguishes the four forms.</summary>
    /// <param name="QuickCheckLimit">Every code point below this is a starter the form leaves unchanged.</param>
    /// <param name="UnsafeFlags">The property flags that make a code point need the full algorithm.</param>
    /// <param name="Compatibility">Whether compatibility mappings apply as well as canonical ones.</param>
    /// <param name="Compose">Whether decomposition is followed by canonical composition.</param>
    private readonly record struct FormRules(int QuickCheckLimit, int UnsafeFlags, bool Compatibility, bool Compose)
    {
        public static FormRules Of(UnicodeNormalForm form) => form switch
        {
            UnicodeNormalForm.Nfc => new(Tables.NfcQuickCheckLimit, NotInNfc | CombinesBackward, false, true),
            UnicodeNormalForm.Nfd => new(Tables.NfdQuickCheckLimit, NotInNfd, false, false),
            UnicodeNormalForm.Nfkc => new(Tables.NfkcQuickCheckLimit, NotInNfkc | CombinesBackward, true, true),
            UnicodeNormalForm.Nfkd => new(Tables.NfkdQuickCheckLimit, NotInNfkd, true, false),
            _ => throw new ArgumentOutOfRangeException(nameof(form), form, "not a Unicode normalization form"),
        };
    }
}
