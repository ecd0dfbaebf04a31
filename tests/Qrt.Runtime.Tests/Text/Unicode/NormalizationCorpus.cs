using Qrt.Runtime.Tests.Support;

namespace Qrt.Runtime.Tests.Text.Unicode;

/// <summary>A text to normalize, as code points (lone surrogates included), with a label for failure messages.</summary>
internal sealed record NormalizationCase(string Label, int[] CodePoints)
{
    /// <summary>The text as UTF-16; a surrogate code point becomes a lone surrogate.</summary>
    public string Text => string.Concat(CodePoints.Select(ToUtf16));

    private static string ToUtf16(int codePoint) =>
        codePoint is >= 0xD800 and <= 0xDFFF ? ((char)codePoint).ToString() : char.ConvertFromUtf32(codePoint);
}

/// <summary>The texts the normalizer is compared on with the reference.</summary>
internal static class NormalizationCorpus
{
    private const int RandomSeed = 20240531;

    /// <summary>Every code point assigned in the tables' Unicode version, alone.</summary>
    public static IEnumerable<NormalizationCase> EveryAssignedCodePoint()
    {
        var ranges = AssignedCodePoints.Ranges.ToArray();
        for (var index = 0; index < ranges.Length; index += 2)
        {
            for (var codePoint = ranges[index]; codePoint <= ranges[index + 1]; codePoint++)
            {
                yield return new NormalizationCase($"U+{codePoint:X4}", [codePoint]);
            }
        }
    }

    /// <summary>Sequences that exercise reordering, composition, blocking, exclusions and segment boundaries.</summary>
    public static IEnumerable<NormalizationCase> Sequences()
    {
        (string Label, string Text)[] sequences =
        [
            ("a, dot below, acute", "a\u0323\u0301"),
            ("a, acute, dot below", "a\u0301\u0323"),
            ("a, circumflex, dot below", "a\u0302\u0323"),
            ("q, dot above, dot below", "q\u0307\u0323"),
            ("d with dot above, dot below", "\u1E0B\u0323"),
            ("A ring, acute", "\u00C5\u0301"),
            ("a, grave, acute (equal class blocks)", "a\u0300\u0301"),
            ("a, acute, acute", "a\u0301\u0301"),
            ("e, grave accent below, acute (lower class does not block)", "e\u0316\u0301"),
            ("a, Hebrew accent, acute, grave", "a\u05AE\u0301\u0300"),
            ("Hangul L+V", "\u1100\u1161"),
            ("Hangul L+V+T", "\u1100\u1161\u11A8"),
            ("Hangul LV+T", "\uAC00\u11A8"),
            ("Hangul LVT+T", "\uAC01\u11A8"),
            ("Hangul L, mark, V", "\u1100\u0301\u1161"),
            ("Hangul L, L, V, T, T", "\u1100\u1100\u1161\u11A8\u11A8"),
            ("Hangul V alone, then L+V", "\u1161\u1100\u1161"),
            ("Hangul LV, last T", "\uAC00\u11C2"),
            ("excluded U+0958", "\u0958"),
            ("ka, nukta (composite excluded)", "\u0915\u093C"),
            ("excluded U+2ADC", "\u2ADC"),
            ("U+2ADD, long solidus overlay", "\u2ADD\u0338"),
            ("singleton angstrom", "\u212B"),
            ("singleton ohm", "\u2126"),
            ("singleton kelvin", "\u212A"),
            ("singletons U+0340 U+0341 U+0343 U+0374 U+037E U+0387", "\u0340\u0341\u0343\u0374\u037E\u0387"),
            ("non-starter decomposition U+0344 after a", "a\u0344"),
            ("Tibetan U+0F73 U+0F75 U+0F81", "\u0F73\u0F75\u0F81"),
            ("Tibetan U+0F71 U+0F72 after ka", "\u0F40\u0F71\u0F72"),
            ("Tibetan compatibility U+0F77 U+0F79", "\u0F77\u0F79"),
            ("Oriya two-part vowel", "\u0B47\u0B3E"),
            ("Oriya two-part vowel, extra AA", "\u0B47\u0B3E\u0B3E"),
            ("Sinhala vowel signs", "\u0DD9\u0DCF\u0DCA"),
            ("Myanmar U+1025 U+102E", "\u1025\u102E"),
            ("Balinese U+1B05 U+1B35", "\u1B05\u1B35"),
            ("musical half note U+1D15E", "\U0001D15E"),
            ("musical U+1D15F U+1D160 U+1D1BB U+1D1C0", "\U0001D15F\U0001D160\U0001D1BB\U0001D1C0"),
            ("musical stem and flag, marks out of order", "\U0001D157\U0001D165\U0001D16E\U0001D167"),
            ("Kaithi U+1109A", "\U0001109A"),
            ("Kaithi U+11099 U+110BA", "\U00011099\U000110BA"),
            ("Kaithi U+110A5 U+110BA", "\U000110A5\U000110BA"),
            ("Chakma two-part vowel", "\U00011131\U00011127"),
            ("CJK compatibility supplement U+2F800 U+2FA1D", "\U0002F800\U0002FA1D"),
            ("lone high surrogate", "\uD800"),
            ("lone low surrogate after a, then acute", "a\uDC00\u0301"),
            ("lone high surrogate, acute", "\uD800\u0301"),
            ("e, acute, lone surrogate at the end", "e\u0301\uDBFF"),
            ("leading acute", "\u0301a"),
            ("leading grave and acute before e", "\u0301\u0300e"),
            ("fi ligature, circled one, fullwidth A, square MHz", "\uFB01\u2460\uFF21\u3392"),
            ("katakana ka, halfwidth voiced mark", "\u30AB\uFF9E"),
            ("halfwidth katakana ka, halfwidth voiced mark", "\uFF76\uFF9E"),
            ("long s with dot above, dot below", "\u1E9B\u0323"),
            ("long s, dot below, dot above", "\u017F\u0323\u0307"),
            ("Arabic ligature U+FDFA", "\uFDFA"),
            ("Greek with dialytika and tonos, iota subscript", "\u03B9\u0308\u0301\u1FB3\u0345\u0313"),
            ("Vietnamese", "Vi\u1EC7t Nam ti\u00EA\u0301ng vi\u00EA\u0323t"),
            ("precomposed French", "Caf\u00E9 d\u00E9j\u00E0 vu, na\u00EFve, \u0153uvre"),
            ("decomposed French", "Cafe\u0301 de\u0301ja\u0300 vu, nai\u0308ve"),
            ("Korean sentence", "\uD55C\uAD6D\uC5B4 \uD14D\uC2A4\uD2B8 \u1112\u1161\u11AB"),
            ("empty", string.Empty),
        ];
        foreach (var (label, text) in sequences)
        {
            yield return new NormalizationCase(label, CodePoints.Of(text));
        }

        int[] base26 = [.. Enumerable.Range('a', 26)];
        var random = new Random(RandomSeed);
        int[] manyMarks = [(int)'o', .. Enumerable.Range(0, 300).Select(_ => Pick(random, Marks))];
        yield return new NormalizationCase("o and 300 random marks", manyMarks);
        yield return new NormalizationCase(
            "ASCII, then the marks of every class",
            [.. base26, .. Marks, .. base26, .. Enumerable.Reverse(Marks)]);
    }

    /// <summary>Seeded random mixes of letters, Hangul, marks of many classes and ASCII runs.</summary>
    public static IEnumerable<NormalizationCase> RandomMixes(int count)
    {
        var random = new Random(RandomSeed);
        for (var index = 0; index < count; index++)
        {
            var length = index % 50 == 49 ? random.Next(200, 2000) : random.Next(1, 60);
            var codePoints = new List<int>(length);
            while (codePoints.Count < length)
            {
                var pick = random.Next(100);
                if (pick < 35)
                {
                    codePoints.Add(Pick(random, Marks));
                }
                else if (pick < 70)
                {
                    codePoints.Add(Pick(random, Letters));
                }
                else if (pick < 85)
                {
                    codePoints.Add(Pick(random, HangulAndTwoPartVowels));
                }
                else
                {
                    codePoints.AddRange(Enumerable.Range(0, random.Next(1, 12)).Select(_ => random.Next(0x20, 0x7F)));
                }
            }

            yield return new NormalizationCase($"random mix {index}", [.. codePoints]);
        }
    }

    private static readonly int[] Marks =
    [
        0x0300, 0x0301, 0x0302, 0x0303, 0x0304, 0x0306, 0x0307, 0x0308, 0x030A, 0x030B, 0x030C, 0x031B, 0x0316,
        0x0323, 0x0324, 0x0327, 0x0328, 0x032D, 0x0331, 0x0334, 0x0338, 0x0342, 0x0345, 0x0313, 0x0314, 0x035C,
        0x035D, 0x05B0, 0x05B4, 0x05BC, 0x05C1, 0x05C2, 0x05AE, 0x0591, 0x064B, 0x0651, 0x0654, 0x0655, 0x0670,
        0x093C, 0x094D, 0x09BC, 0x0E38, 0x0E48, 0x0F71, 0x0F72, 0x0F74, 0x0F80, 0x1DC0, 0x1DCE, 0x20D0, 0x20D2,
        0x20E3, 0x302A, 0x302E, 0x3099, 0x309A, 0xFF9E, 0x0344, 0x0F73, 0x1D165, 0x1D166, 0x1D16D, 0x1D16E,
        0x1D16F, 0x110BA, 0x11127, 0x1E944, 0x1E94A,
    ];

    private static readonly int[] Letters =
    [
        'a', 'e', 'i', 'o', 'u', 'A', 'E', 'O', 'c', 'n', 's', 'z', 0x00C5, 0x00E9, 0x00F1, 0x0112, 0x017F,
        0x01B0, 0x01EA, 0x0391, 0x03B1, 0x03B9, 0x03C9, 0x1FB3, 0x0410, 0x0418, 0x0435, 0x0456, 0x0474, 0x05D0,
        0x05E9, 0x0627, 0x0648, 0x064A, 0x06C1, 0x0915, 0x0928, 0x0930, 0x0995, 0x09C7, 0x0B47, 0x0BC6, 0x0C46,
        0x0CC6, 0x0D46, 0x0DD9, 0x1025, 0x1B05, 0x304B, 0x30AB, 0x30CF, 0xFF76, 0x212B, 0x2126, 0x0958, 0xFB01,
        0x2460, 0x3392, 0xFDFA, 0x1E9B, 0x1D157, 0x11099, 0x110A5, 0x11131, 0x2F800,
    ];

    private static readonly int[] HangulAndTwoPartVowels =
    [
        0x1100, 0x1101, 0x1112, 0x1161, 0x1162, 0x1175, 0x11A8, 0x11AB, 0x11C2, 0x11A7, 0x1160, 0xAC00, 0xAC01,
        0xD55C, 0xD7A3, 0x0B3E, 0x0B56, 0x0B57, 0x0BBE, 0x0BD7, 0x0CC2, 0x0CD5, 0x0D3E, 0x0D57, 0x0DCA, 0x0DCF,
        0x0DDF, 0x102E, 0x1B35, 0x3131,
    ];

    private static int Pick(Random random, int[] choices) => choices[random.Next(choices.Length)];
}
