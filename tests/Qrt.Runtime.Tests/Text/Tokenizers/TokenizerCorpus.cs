using System.Globalization;
using Qrt.Runtime.Tests.Support;

namespace Qrt.Runtime.Tests.Text.Tokenizers;

/// <summary>
/// The texts every tokenizer is checked on: the cases where byte-level and SentencePiece tokenizers differ
/// from each other or are easy to get wrong (whitespace, digits, contractions, normalization, scripts
/// without spaces, supplementary-plane letters, emoji sequences, broken UTF-16, special-token strings).
/// </summary>
/// <remarks>
/// U+FEFF and U+0085 are left out on purpose: the reference's regexes are JavaScript regexes, whose <c>\s</c>
/// includes U+FEFF and excludes U+0085, the opposite of the Oniguruma semantics of the Hugging Face library,
/// so on those two characters the reference itself disagrees with the library it stands for.
/// </remarks>
internal static class TokenizerCorpus
{
    /// <summary>Every entry, in a fixed order (the reference is computed for the whole list at once).</summary>
    public static IReadOnlyList<CorpusEntry> Entries { get; } =
    [
        new("empty", string.Empty),
        new("single-space", " "),
        new("only-newlines", "\n\n\n"),
        new("single-letter", "a"),
        new("english-prose",
            "The quick brown fox jumps over the lazy dog. It wasn't the first time; the dog didn't mind at all!"),
        new("english-sentences",
            "Tokenizers split text into pieces. Some pieces are whole words, others are fragments of words, and a few are single bytes."),
        new("french", "Le c\u0153ur a ses raisons que la raison ne conna\u00EEt point. \u00C0 bient\u00F4t, gar\u00E7on !"),
        new("german", "Gr\u00F6\u00DFere Stra\u00DFen f\u00FChren \u00FCber die Br\u00FCcke; \u00DCberm\u00E4\u00DFig sch\u00F6n."),
        new("spanish-portuguese-italian",
            "\u00BFD\u00F3nde est\u00E1 la biblioteca? \u00A1Ma\u00F1ana ser\u00E1 otro d\u00EDa! N\u00E3o h\u00E1 nada como a saudade. Perch\u00E9 \u00E8 cos\u00EC difficile?"),
        new("csharp-code",
            "namespace Demo;\n\npublic sealed class Counter<T> where T : notnull\n{\n    private readonly Dictionary<T, int> _counts = new();\n\n    public int Add(T item) => _counts[item] = _counts.GetValueOrDefault(item) + 1;\n}\n"),
        new("python-code",
            "def fibonacci(n: int) -> list[int]:\n    \"\"\"Return the first n numbers.\"\"\"\n    a, b = 0, 1\n    out = []\n    for _ in range(n):\n        out.append(a)\n        a, b = b, a + b\n    return out\n\n\nif __name__ == \"__main__\":\n\tprint(fibonacci(10))  # tab-indented\n"),
        new("json-indented",
            "{\n  \"name\": \"qrt\",\n  \"version\": [1, 2, 3],\n  \"nested\": {\n    \"enabled\": true,\n    \"ratio\": 0.75,\n    \"tags\": [\"a\", \"b\"]\n  }\n}"),
        new("whitespace-runs", "a  b   c    d     e          f"),
        new("tabs", "\tone\n\t\ttwo\n \t mixed\t \tspaces and tabs\t"),
        new("crlf", "line one\r\nline two\r\n\r\nline four\r\n"),
        new("lone-carriage-returns", "old mac\rline\r\rend"),
        new("trailing-spaces", "trailing   \nspaces  \nend  "),
        new("leading-spaces", "   three leading spaces"),
        new("newline-runs", "paragraph one\n\n\n\nparagraph two\n\n\n\n\n\n\n\nthe end\n"),
        new("unicode-spaces", "no\u00A0break em\u2003space ideographic\u3000space line\u2028separator thin\u2009space"),
        new("digits", "0 7 42 123 1234 12345 1234567890123 3.14159 1,000,000 007 2024-11-23 0x1F 1e-9 -273.15"),
        new("long-number", "31415926535897932384626433832795028841971693993751"),
        new("contractions", "don't I'LL we've she'd They'RE it's O'Neil can't 'tis WE'D YOU'VE i'M"),
        new("punctuation-spacing", "Hello , world . Yes ! No ? It ' s odd . can n't , I 'm , he 's , we 've , they 're"),
        new("punctuation-runs", "!!!??? ... ---- ==== //// ((( ))) [[]] {{}} <<>> @@## $$%% ^^&& ** ~~ ``"),
        new("quotes-and-dashes", "\u201Csmart quotes\u201D \u2018single\u2019 \u00ABguillemets\u00BB \u2014 em \u2013 en \u2026 ellipsis"),
        new("symbols", "\u00A9 \u00AE \u2122 \u20AC \u00A3 \u00A5 \u00A7 \u00B6 \u2022 \u2211 \u222B \u221A \u221E \u2260 \u2264 \u2265 \u2192 \u21D2"),
        new("accented-precomposed", "caf\u00E9 na\u00EFve r\u00E9sum\u00E9 \u00C5ngstr\u00F6m \u00F1and\u00FA \u0107\u0161\u017E\u0111"),
        new("accented-decomposed", "cafe\u0301 nai\u0308ve re\u0301sume\u0301 A\u030Angstro\u0308m n\u0303andu\u0301 c\u0301s\u030Cz\u030C"),
        new("combining-marks", "a\u0323\u0301 q\u0307\u0323 e\u0301\u0302\u0303 Z\u0335\u0336\u0337 \u0301leading-mark x\u20DD"),
        new("vietnamese", "Ti\u1EBFng Vi\u1EC7t c\u00F3 nhi\u1EC1u d\u1EA5u thanh: \u1EA3, \u1EAB, \u1ED9, \u1EEF, \u0111\u01B0\u1EDDng ph\u1ED1."),
        new("greek", "\u0397 \u03B3\u03C1\u03AE\u03B3\u03BF\u03C1\u03B7 \u03BA\u03B1\u03C6\u03AD \u03B1\u03BB\u03B5\u03C0\u03BF\u03CD \u03C0\u03B7\u03B4\u03AC\u03B5\u03B9. \u0391\u0392\u0393 \u03B1\u03B2\u03B3"),
        new("cyrillic", "\u0421\u044A\u0435\u0448\u044C \u0436\u0435 \u0435\u0449\u0451 \u044D\u0442\u0438\u0445 \u043C\u044F\u0433\u043A\u0438\u0445 \u0444\u0440\u0430\u043D\u0446\u0443\u0437\u0441\u043A\u0438\u0445 \u0431\u0443\u043B\u043E\u043A, \u0434\u0430 \u0432\u044B\u043F\u0435\u0439 \u0447\u0430\u044E."),
        new("arabic", "\u0645\u0631\u062D\u0628\u0627 \u0628\u0627\u0644\u0639\u0627\u0644\u0645\u060C \u0643\u064A\u0641 \u062D\u0627\u0644\u0643 \u0627\u0644\u064A\u0648\u0645\u061F \u0661\u0662\u0663"),
        new("hebrew", "\u05E9\u05DC\u05D5\u05DD \u05E2\u05D5\u05DC\u05DD, \u05DE\u05D4 \u05E9\u05DC\u05D5\u05DE\u05DA? \u05D1\u05BC\u05B0\u05E8\u05B5\u05D0\u05E9\u05B4\u05C1\u05D9\u05EA"),
        new("devanagari", "\u0928\u092E\u0938\u094D\u0924\u0947 \u0926\u0941\u0928\u093F\u092F\u093E, \u0906\u092A \u0915\u0948\u0938\u0947 \u0939\u0948\u0902? \u0967\u0968\u0969"),
        new("thai", "\u0E2A\u0E27\u0E31\u0E2A\u0E14\u0E35\u0E0A\u0E32\u0E27\u0E42\u0E25\u0E01 \u0E20\u0E32\u0E29\u0E32\u0E44\u0E17\u0E22\u0E44\u0E21\u0E48\u0E21\u0E35\u0E01\u0E32\u0E23\u0E40\u0E27\u0E49\u0E19\u0E27\u0E23\u0E23\u0E04"),
        new("chinese", "\u4F60\u597D\uFF0C\u4E16\u754C\uFF01\u4ECA\u5929\u5929\u6C14\u5F88\u597D\uFF0C\u6211\u4EEC\u53BB\u516C\u56ED\u6563\u6B65\u5427\u3002"),
        new("japanese", "\u3053\u3093\u306B\u3061\u306F\u3001\u4E16\u754C\u3002\u30AB\u30BF\u30AB\u30CA\u3068\u3072\u3089\u304C\u306A\u3068\u6F22\u5B57\u3092\u6DF7\u305C\u3066\u66F8\u304D\u307E\u3059\u3002\uFF8A\uFF9D\uFF76\uFF78"),
        new("korean", "\uC548\uB155\uD558\uC138\uC694 \uC138\uACC4! \uD55C\uAD6D\uC5B4 \uBB38\uC7A5\uC785\uB2C8\uB2E4. \u1100\u1161\u11A8"),
        new("cjk-extension-b", "\U00020000\U00020BB7\u91CE\u5BB6 \U0002A6A5\U0002B820 x\U00020001y"),
        new("math-alphanumerics", "\U0001D400\U0001D401\U0001D402 \U0001D465\U0001D466\U0001D467 \U0001D518\U0001D52B\U0001D526 \U0001D7D9\U0001D7DA\U0001D7DB"),
        // One supplementary-plane code point per general category, most after a space (which the regexes attach
        // to what follows unless it is a letter or a number): Nd, No, No, Nl, No; Lu Ll, Lm; Mc Mn, Mn; Cf, Co, So.
        new("supplementary-categories",
            "n \U0001D7CE \U0001F100 \U00010107 \U00012400 \U0001D360 l \U00010400\U00010428 \U00016FE0 m \U0001D165\U0001D167 \U000E0100 o \U0001D173 \U000F0000 \U0001F600"),
        new("emoji", "I \u2764\uFE0F tokenizers \U0001F600\U0001F389\U0001F680 ok\U0001F44D"),
        new("zwj-family", "\U0001F468\u200D\U0001F469\u200D\U0001F467\u200D\U0001F466 \U0001F469\u200D\U0001F4BB \U0001F3F3\uFE0F\u200D\U0001F308"),
        new("flags", "\U0001F1EB\U0001F1F7\U0001F1EF\U0001F1F5\U0001F1FA\U0001F1F8 \U0001F3F4\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F"),
        new("skin-tones", "\U0001F44D\U0001F3FB\U0001F44D\U0001F3FF \U0001F44B\U0001F3FD hi"),
        new("lone-high-surrogate", "abc\uD800def"),
        new("lone-low-surrogate", "\uDC00 tail"),
        new("reversed-surrogate-pair", "x\uDC00\uD800y"),
        new("high-surrogate-at-end", "end\uD83D"),
        new("control-characters", "nul\u0000byte bell\u0007 escape \u001B[31mred\u001B[0m del\u007F"),
        new("special-qwen", "<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n<|endoftext|>"),
        new("special-llama2", "<s>[INST] What is 2+2? [/INST] 4 </s><unk>"),
        new("special-llama3", "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|end_of_text|>"),
        new("special-think", "<think>\nLet me reason.\n</think>\n\nThe answer is 4."),
        new("special-glued", "x<|im_start|>y<s>z</s>[INST]<think>w</think>v<|begin_of_text|>u"),
        new("special-spaced", " <|im_start|> <s> </s> <|endoftext|> <|begin_of_text|> "),
        new("special-near-misses", "<|im_start <s </s <|endoftext| </think <|begin_of_text <S> [inst]"),
        new("vocabulary-markers", "a\u2581b \u2581\u2581 \u0120\u010A <0x41> <0xFF>"),
        new("url-and-email", "https://example.com/path/to?q=1&x=y#frag user.name+tag@example.org"),
        new("markdown", "# Title\n\n- item one\n- item *two*\n\n```bash\necho \"hi\" | tr a-z A-Z\n```\n\n> quoted **bold**"),
        new("long-word", "Pneumonoultramicroscopicsilicovolcanoconiosis antidisestablishmentarianism"),
        new("repeated-letters", new string('a', 80) + " " + new string('z', 33)),
        new("long-mixed-paragraph", LongMixedParagraph),
    ];

    /// <summary>A paragraph that mixes every kind of text above, with special-token strings inside it.</summary>
    private static string LongMixedParagraph =>
        "In 2024, the team shipped version 3.14.159 of their tokenizer\u2014it handles caf\u00E9, cafe\u0301, "
        + "\u4F60\u597D, \u3053\u3093\u306B\u3061\u306F, \uC548\uB155, \u041F\u0440\u0438\u0432\u0435\u0442 and "
        + "\u0645\u0631\u062D\u0628\u0627 alike.\n\n"
        + "    if (count >= 1_000_000) { return \"big\"; }\t// don't panic\r\n"
        + "Emoji: \U0001F468\u200D\U0001F469\u200D\U0001F467 \U0001F1EF\U0001F1F5 \U0001F44D\U0001F3FD; math: \U0001D400 + \U0001D7D9 = ?\n"
        + "A <|im_start|>marker<|im_end|> sits next to <s>another</s> and <think>a thought</think>, "
        + "then 12345678901234567890 digits,   three spaces, and a trailing tab\t\n"
        + "Ti\u1EBFng Vi\u1EC7t, \u0928\u092E\u0938\u094D\u0924\u0947, \u0E2A\u0E27\u0E31\u0E2A\u0E14\u0E35, "
        + "\U00020BB7\u91CE\u5BB6 \u2014 WE'LL see what THEY'VE done.\n\n\nEnd.";

    /// <summary>Whether <paramref name="text" /> is well-formed UTF-16 (every surrogate is half of a pair).</summary>
    public static bool IsWellFormedUtf16(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Code points as U+XXXX, for failure messages where the text itself would not print legibly.</summary>
    public static string Describe(string text, int maxCodePoints = 48)
    {
        var codePoints = CodePoints.Of(text);
        var shown = codePoints.Take(maxCodePoints).Select(c => string.Create(CultureInfo.InvariantCulture, $"U+{c:X4}"));
        var more = codePoints.Length > maxCodePoints ? $" ... ({codePoints.Length} code points)" : string.Empty;
        return string.Join(' ', shown) + more;
    }
}

/// <summary>One corpus text; <see cref="Name" /> names the test cases.</summary>
internal sealed record CorpusEntry(string Name, string Text)
{
    /// <inheritdoc />
    public override string ToString() => Name;
}
