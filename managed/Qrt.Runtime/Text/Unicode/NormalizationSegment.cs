using System.Buffers;
using static Qrt.Runtime.Text.Unicode.UnicodeCharacterData;

namespace Qrt.Runtime.Text.Unicode;

/// <summary>
/// The full UAX #15 algorithm, applied to one segment of text at a time: decompose every code point (recursively,
/// as the tables hold the full expansions), put each run of non-starters in canonical order (a stable sort by
/// combining class), then for NFC and NFKC compose each unblocked pair that has a primary composite.
/// </summary>
internal static class NormalizationSegment
{
    // Runs of non-starters this long or longer are sorted by counting rather than insertion, so that text with
    // thousands of marks on one base stays linear.
    private const int CountingSortThreshold = 32;

    /// <summary>
    /// Appends the normalization of <paramref name="segment" /> to <paramref name="output" />, using
    /// <paramref name="codePoints" /> as scratch space.
    /// </summary>
    public static void Normalize(
        ReadOnlySpan<char> segment, bool compatibility, bool compose,
        ref PooledBuffer<int> codePoints, ref PooledBuffer<char> output)
    {
        codePoints.Clear();
        Decompose(segment, compatibility, ref codePoints);
        ReorderCanonically(codePoints.Items);
        if (compose)
        {
            codePoints.Truncate(Compose(codePoints.Items));
        }

        foreach (var codePoint in codePoints.Items)
        {
            if (codePoint >= 0x10000)
            {
                output.Append((char)(0xD7C0 + (codePoint >> 10)));
                output.Append((char)(0xDC00 | (codePoint & 0x3FF)));
            }
            else
            {
                output.Append((char)codePoint);
            }
        }
    }

    private static void Decompose(ReadOnlySpan<char> text, bool compatibility, ref PooledBuffer<int> codePoints)
    {
        var decomposable = compatibility ? NotInNfkd : NotInNfd;
        Span<int> jamo = stackalloc int[3];
        for (var index = 0; index < text.Length;)
        {
            var codePoint = ReadCodePoint(text, ref index);
            if ((GetProperties(codePoint) & decomposable) == 0)
            {
                codePoints.Append(codePoint);
            }
            else if (HangulSyllables.IsSyllable(codePoint))
            {
                codePoints.Append(jamo[..HangulSyllables.Decompose(codePoint, jamo)]);
            }
            else
            {
                var decomposition = GetDecomposition(codePoint, compatibility);
                for (var position = 0; position < decomposition.Length;)
                {
                    codePoints.Append(ReadCodePoint(decomposition, ref position));
                }
            }
        }
    }

    /// <summary>Reads the code point at <paramref name="index" /> and moves past it; a lone surrogate is its own code point.</summary>
    public static int ReadCodePoint(ReadOnlySpan<char> text, ref int index)
    {
        int unit = text[index++];
        if (char.IsHighSurrogate((char)unit) && index < text.Length && char.IsLowSurrogate(text[index]))
        {
            return char.ConvertToUtf32((char)unit, text[index++]);
        }

        return unit;
    }

    private static void ReorderCanonically(Span<int> codePoints)
    {
        for (var start = 0; start < codePoints.Length; start++)
        {
            if (GetCombiningClass(codePoints[start]) == 0)
            {
                continue;
            }

            var end = start + 1;
            while (end < codePoints.Length && GetCombiningClass(codePoints[end]) != 0)
            {
                end++;
            }

            var run = codePoints[start..end];
            if (run.Length >= CountingSortThreshold)
            {
                CountingSort(run);
            }
            else if (run.Length > 1)
            {
                InsertionSort(run);
            }

            start = end;
        }
    }

    private static void InsertionSort(Span<int> run)
    {
        for (var index = 1; index < run.Length; index++)
        {
            var codePoint = run[index];
            var combiningClass = GetCombiningClass(codePoint);
            var target = index;
            while (target > 0 && GetCombiningClass(run[target - 1]) > combiningClass)
            {
                run[target] = run[target - 1];
                target--;
            }

            run[target] = codePoint;
        }
    }

    private static void CountingSort(Span<int> run)
    {
        Span<int> starts = stackalloc int[257];
        starts.Clear();
        foreach (var codePoint in run)
        {
            starts[GetCombiningClass(codePoint) + 1]++;
        }

        for (var combiningClass = 1; combiningClass < starts.Length; combiningClass++)
        {
            starts[combiningClass] += starts[combiningClass - 1];
        }

        var sorted = ArrayPool<int>.Shared.Rent(run.Length);
        foreach (var codePoint in run)
        {
            sorted[starts[GetCombiningClass(codePoint)]++] = codePoint;
        }

        sorted.AsSpan(0, run.Length).CopyTo(run);
        ArrayPool<int>.Shared.Return(sorted);
    }

    /// <summary>Canonical composition in place (UAX #15 §1.3); returns the new length.</summary>
    private static int Compose(Span<int> codePoints)
    {
        if (codePoints.IsEmpty)
        {
            return 0;
        }

        var starterIndex = 0;
        var starter = codePoints[0];
        // The class of the last code point kept since the starter: 0 when the starter is the last one kept, 256 while
        // there is no starter to compose with (text that begins with non-starters).
        var lastClass = GetCombiningClass(starter) == 0 ? 0 : 256;
        var kept = 1;
        for (var index = 1; index < codePoints.Length; index++)
        {
            var codePoint = codePoints[index];
            var combiningClass = GetCombiningClass(codePoint);
            var blocked = lastClass != 0 && lastClass >= combiningClass;
            var composite = blocked ? -1 : UnicodeCharacterData.Compose(starter, codePoint);
            if (composite >= 0)
            {
                starter = composite;
                codePoints[starterIndex] = composite;
                continue;
            }

            if (combiningClass == 0)
            {
                starterIndex = kept;
                starter = codePoint;
            }

            lastClass = combiningClass;
            codePoints[kept++] = codePoint;
        }

        return kept;
    }
}
