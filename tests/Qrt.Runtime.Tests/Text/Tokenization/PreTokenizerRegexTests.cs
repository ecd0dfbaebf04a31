using System.Globalization;
using System.Text;
using System.Text.Json;
using Qrt.Runtime.Tests.Support;
using Qrt.Runtime.Text.Tokenization;

namespace Qrt.Runtime.Tests.Text.Tokenization;

/// <summary>
/// Tokenizer.json regexes (Oniguruma syntax) translated for .NET. The reference for match spans is a JavaScript
/// regex with the "u" flag (tests/reference-js/regex-matches.mjs), which like Oniguruma matches by code point and
/// classifies by Unicode general category. The JavaScript twins of the patterns are written by hand: Node has no
/// inline (?i:...), so the contractions are spelled as case classes (with U+017F LONG S, which Unicode simple case
/// folding makes an 's'). JavaScript's \s also holds U+FEFF and lacks U+0085, unlike Oniguruma's (the White_Space
/// property), so the corpus avoids both and they are tested apart against the Unicode facts.
/// </summary>
[TestFixture]
internal sealed class PreTokenizerRegexTests
{
    private const string Contractions = "'[sS\u017F]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD]";

    /// <summary>The pre-tokenizer regexes of real tokenizer.json files, and the same patterns for JavaScript.</summary>
    private static readonly Dictionary<string, (string Oniguruma, string JavaScript)> RealPatterns = new()
    {
        ["Qwen2"] = (
            @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+",
            Contractions + @"|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"),
        ["Llama3"] = (
            @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+",
            Contractions + @"|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"),
        ["Tekken"] = (
            @"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+",
            @"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+"),
        ["Gpt2"] = (
            @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+",
            @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"),

        // Not from a tokenizer: a pattern that matches empty strings, to compare how the scan moves on after them.
        ["EmptyMatches"] = (@"(?:\p{L}\p{M}*)*|\d*", @"(?:\p{L}\p{M}*)*|\p{Nd}*"),
    };

    private static readonly string[] GeneralCategories =
        ["L", "Lu", "Ll", "Lt", "Lm", "Lo", "M", "Mn", "Mc", "Me", "N", "Nd", "Nl", "No", "P", "Po", "S", "Sm", "Sk", "So", "C", "Cf", "Co", "Cn"];

    private static readonly Lazy<string[]> Corpus = new(BuildCorpus);

    private static readonly Lazy<Dictionary<string, List<(int, int)>[]>> CorpusReference = new(() =>
    {
        var names = RealPatterns.Keys.ToArray();
        var spans = RunReference([.. names.Select(name => (RealPatterns[name].JavaScript, "u"))], Corpus.Value);
        return names.Select((name, index) => (name, index)).ToDictionary(pair => pair.name, pair => spans[pair.index]);
    });

    public static IEnumerable<string> RealPatternNames => RealPatterns.Keys;

    [TestCaseSource(nameof(RealPatternNames))]
    public void FindMatches_AgreesWithJavaScript_OnTheCorpus(string name)
    {
        var regex = new PreTokenizerRegex(RealPatterns[name].Oniguruma);

        AssertSameSpans(regex, Corpus.Value, CorpusReference.Value[name]);
    }

    [Test]
    public void FindMatches_ClassifiesSupplementaryCharactersByGeneralCategory_AsJavaScriptDoes()
    {
        string[] texts = [SupplementarySweep(), "x" + SupplementarySweep()[..999] + "\uD800" + "7"];
        var onigPatterns = GeneralCategories.SelectMany(category => new[] { $@"\p{{{category}}}+", $@"[^\p{{{category}}}\s]+" }).ToArray();
        var reference = RunReference([.. onigPatterns.Select(pattern => (pattern, "u"))], texts);

        for (var i = 0; i < onigPatterns.Length; i++)
        {
            AssertSameSpans(new PreTokenizerRegex(onigPatterns[i]), texts, reference[i]);
        }
    }

    [Test]
    public void CaseInsensitiveAsciiLetters_MatchWhatUnicodeSimpleCaseFoldingMatches()
    {
        var everyBmpCharacter = new StringBuilder();
        for (var c = 0; c <= char.MaxValue; c++)
        {
            if (!char.IsSurrogate((char)c))
            {
                everyBmpCharacter.Append((char)c);
            }
        }

        string[] texts = [everyBmpCharacter.ToString()];
        string[] letters = [.. Enumerable.Range('a', 26).Select(c => ((char)c).ToString()), "[a-z]", "[^a-z]", "[A-Fk-t]"];
        var reference = RunReference([.. letters.Select(letter => (letter, "iu"))], texts);

        for (var i = 0; i < letters.Length; i++)
        {
            AssertSameSpans(new PreTokenizerRegex($"(?i:{letters[i]})"), texts, reference[i]);
        }
    }

    [Test]
    public void WhiteSpaceClass_IsExactlyTheUnicodeWhiteSpaceProperty()
    {
        // PropList.txt, White_Space: U+0085 is in it, U+FEFF, U+180E and U+200B are not.
        int[] whiteSpace = [.. Enumerable.Range(0x09, 5), 0x20, 0x85, 0xA0, 0x1680, .. Enumerable.Range(0x2000, 11), 0x2028, 0x2029, 0x202F, 0x205F, 0x3000];
        var space = new PreTokenizerRegex(@"\s");
        var nonSpace = new PreTokenizerRegex(@"[\S]");

        var spaces = new List<int>();
        var nonSpaces = 0;
        for (var c = 0; c <= char.MaxValue; c++)
        {
            var text = ((char)c).ToString();
            if (Matches(space, text).Count == 1)
            {
                spaces.Add(c);
            }

            nonSpaces += Matches(nonSpace, text).Count;
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(spaces, Is.EqualTo(whiteSpace));
            Assert.That(nonSpaces, Is.EqualTo(char.MaxValue + 1 - whiteSpace.Length));
        }
    }

    [Test]
    public void Qwen2Pattern_TreatsNextLineAsSpace_AndByteOrderMarkAsPunctuation()
    {
        var qwen2 = new PreTokenizerRegex(RealPatterns["Qwen2"].Oniguruma);

        using (Assert.EnterMultipleScope())
        {
            // \s+(?!\S) gives back the last U+0085, which then leads the letters; U+FEFF is not space at all.
            Assert.That(Matches(qwen2, "\u0085\u0085a"), Is.EqualTo(new[] { (0, 1), (1, 2) }));
            Assert.That(Matches(qwen2, "\uFEFF\uFEFFa"), Is.EqualTo(new[] { (0, 2), (2, 1) }));
            Assert.That(Matches(qwen2, "a \u0085b"), Is.EqualTo(new[] { (0, 1), (1, 1), (2, 2) }));
        }
    }

    [TestCase("a*+", "(?>a*)")]
    [TestCase("a++", "(?>a+)")]
    [TestCase("a?+", "(?>a?)")]
    [TestCase(@"\p{L}++", @"(?>\p{L}+)")]
    [TestCase("a{3,1}", "(?>a{1,3})")]
    [TestCase("a{2}?", "(?:a{2})?")]
    [TestCase("a{2,3}?", "a{2,3}?")]
    [TestCase("a{2,3}+", "(?:a{2,3})+")]
    [TestCase("a{,3}", "a{0,3}")]
    [TestCase("a{2}{3}", "(?:a{2}){3}")]
    [TestCase("a{", @"a\{")]
    [TestCase("a{x}", @"a\{x\}")]
    [TestCase(@"\p{Letter}", @"\p{L}")]
    [TestCase(@"\p{Uppercase Letter}\p{lowercase_letter}\p{TITLECASE-LETTER}", @"\p{Lu}\p{Ll}\p{Lt}")]
    [TestCase(@"\p{Combining_Mark}\p{Decimal_Number}", @"\p{M}\p{Nd}")]
    [TestCase(@"\P{L}", @"\P{L}")]
    [TestCase(@"\p{^L}", @"\P{L}")]
    [TestCase(@"\P{^L}", @"\p{L}")]
    [TestCase(@"\p{LC}", @"[\p{Lu}\p{Ll}\p{Lt}]")]
    [TestCase(@"[\p{^Lu}a]", @"[\P{Lu}a]")]
    [TestCase(@"\d\D\h", @"\p{Nd}\P{Nd}[0-9A-Fa-f]")]
    [TestCase("(?i:'s)", "(?:'[sS\\u017F])")]
    [TestCase("(?i:k)", "(?:[kK\\u212A])")]
    [TestCase("a(?i)b|c", "a(?:[bB]|[cC])")]
    [TestCase("(?<word>a)(b)", "(?:a)(?:b)")]
    [TestCase("a(?#comment)+", "a+")]
    [TestCase("[]a]", @"[\]a]")]
    [TestCase("[-a-c-]", @"[\-a-c\-]")]
    [TestCase("[a-z&&[^aeiou]]", "(?:(?=[a-z])[^aeiou])")]
    [TestCase("^a$", @"(?:\A|(?<=\n)(?!\z))a(?=\n|\z)")]
    [TestCase(@"\x41\u0042\x{43}\o{104}\012\0", @"ABCD\n\u0000")]
    [TestCase(@"\.\*\(", @"\.\*\(")]
    [TestCase("(?:a{2})*", "(?:a{2})*")]
    [TestCase("a{3,1}?", "(?>a{1,3})?")]
    [TestCase(@"(?i)\d", @"(?:\p{Nd})")]
    [TestCase("(?m)a.b", "(?:a(?s:.)b)")]
    [TestCase("(?im-m:a.)", "(?:[aA].)")]
    [TestCase("[[:^digit:]a]", @"(?:[a]|[^\p{Nd}])")]
    [TestCase(@"\R", @"(?>\r\n|[\n-\r\u0085\u2028-\u2029])")]
    public void Translate_GivesTheEquivalentDotNetPattern(string oniguruma, string expected)
    {
        Assert.That(PatternTranslator.Translate(oniguruma).Pattern, Is.EqualTo(expected));
    }

    [TestCase("a*+a", "aaa", new int[0])]
    [TestCase("a*a", "aaa", new[] { 0, 3 })]
    [TestCase("a{3,1}a", "aaaa", new[] { 0, 4 })]
    [TestCase("a{3,1}a", "aaa", new int[0])]
    [TestCase("(?i:'s|'ll)", "'S 'ſ 'lL 'ß", new[] { 0, 2, 3, 2, 6, 3 })]
    [TestCase("a(?i)b|c", "C aC aB c", new[] { 2, 2, 5, 2 })]
    [TestCase(@"\n^", "a\n", new int[0])]
    [TestCase(@"\n^", "a\nb", new[] { 1, 1 })]
    [TestCase("a$", "a\naa", new[] { 0, 1, 3, 1 })]
    [TestCase("a*", "baab", new[] { 1, 2 })]
    [TestCase(@"\R", "a\r\nb\n\u2028", new[] { 1, 2, 4, 1, 5, 1 })]
    [TestCase("(?m:a.)|a.", "a\na\n", new[] { 0, 2, 2, 2 })]
    [TestCase("a.", "a\na\n", new int[0])]
    [TestCase(".", "\U0001F600a", new[] { 0, 2, 2, 1 })]
    [TestCase(@"\p{Lu}+", "\U0001D400\U0001D401a", new[] { 0, 4 })]
    [TestCase(@"[\x{80}-\x{3FFF}]", "\U00020000\u00C0", new[] { 2, 1 })]
    [TestCase(@"[^\x{80}-\x{3FFF}]", "\U00020000\u00C0", new[] { 0, 2 })]
    [TestCase(@"\p{L}", "", new int[0])]
    public void FindMatches_FollowsOnigurumaSemantics(string oniguruma, string text, int[] flatSpans)
    {
        var expected = Enumerable.Range(0, flatSpans.Length / 2).Select(i => (flatSpans[2 * i], flatSpans[(2 * i) + 1]));

        Assert.That(Matches(new PreTokenizerRegex(oniguruma), text), Is.EqualTo(expected));
    }

    [Test]
    public void FindMatches_TakesALoneSurrogateAsOneCharacter_AndAPairAsOne()
    {
        // Kept out of [TestCase]: attribute strings cannot hold lone surrogates.
        var text = "\uD800\U0001F600\uDC00a\uDBFF";

        Assert.That(Matches(new PreTokenizerRegex("[^a]"), text), Is.EqualTo(new[] { (0, 1), (1, 2), (3, 1), (5, 1) }));
    }

    [TestCase(@"\p{Han}", @"\p{Han}", 0)]
    [TestCase(@"ab|\p{Latin}+", @"\p{Latin}", 3)]
    [TestCase(@"[\p{Greek}a]", @"\p{Greek}", 1)]
    [TestCase(@"\p{InBasicLatin}", @"\p{InBasicLatin}", 0)]
    [TestCase(@"\p{Alphabetic}", @"\p{Alphabetic}", 0)]
    [TestCase(@"a\w", @"\w", 1)]
    [TestCase(@"\bx", @"\b", 0)]
    [TestCase(@"(a)\1", @"\1", 3)]
    [TestCase(@"(?x)a", "x", 2)]
    [TestCase(@"\Ga", @"\G", 0)]
    [TestCase("a(?~b)", "(?~", 1)]
    [TestCase("(a)(?(1)b|c)", "(?(", 3)]
    [TestCase("a\U0001F600", "\U0001F600", 1)]
    [TestCase(@"\x{1F600}", @"\x{1F600}", 0)]
    [TestCase("(?i:caf\u00E9)", "\u00E9", 7)]
    [TestCase("(?i:class)", "s", 8)]
    [TestCase("(?i)fi", "i", 5)]
    [TestCase(@"(?i)\p{Lu}", @"\p{Lu}", 4)]
    [TestCase("xa**", "a**", 1)]
    [TestCase("(?:a+)*", "(?:a+)*", 0)]
    public void Translate_RejectsWhatItCannotTranslateExactly_NamingTheConstructAndOffset(string oniguruma, string construct, int offset)
    {
        var error = Assert.Throws<PatternException>(() => PatternTranslator.Translate(oniguruma));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(error!.Construct, Is.EqualTo(construct));
            Assert.That(error.Offset, Is.EqualTo(offset));
            Assert.That(error.Message, Does.Contain($"'{construct}' at offset {offset}").And.Contain(oniguruma));
        }
    }

    [TestCase("(abc", 0)]
    [TestCase("abc)", 3)]
    [TestCase("[abc", 0)]
    [TestCase("*a", 0)]
    [TestCase("a|+", 2)]
    [TestCase("{2}", 0)]
    [TestCase("[z-a]", 1)]
    [TestCase("a\\", 1)]
    [TestCase(@"\p{L", 0)]
    [TestCase(@"\pL", 0)]
    [TestCase(@"\x{110000}", 0)]
    [TestCase(@"\xE9", 0)]
    [TestCase("(?<1a>x)", 0)]
    [TestCase("a(?#open", 1)]
    [TestCase("[a-b-c]", 1)]
    [TestCase("^*", 0)]
    [TestCase("(?=a)+", 0)]
    [TestCase("a{100001}", 1)]
    public void Translate_RejectsMalformedPatterns_AtTheirOffset(string oniguruma, int offset)
    {
        var error = Assert.Throws<PatternException>(() => PatternTranslator.Translate(oniguruma));

        Assert.That(error!.Offset, Is.EqualTo(offset));
    }

    [Test]
    public void Translate_RejectsNestingDeeperThanItsLimit_WithoutExhaustingTheStack()
    {
        var error = Assert.Throws<PatternException>(() => PatternTranslator.Translate(new string('(', 100_000) + "a" + new string(')', 100_000)));

        Assert.That(error!.Message, Does.Contain("nested"));
    }

    [Test]
    public void Constructor_RejectsRangesThatLeaveNoStandInForSupplementaryCharacters()
    {
        var error = Assert.Throws<PatternException>(() => _ = new PreTokenizerRegex(@"[\x{80}-\x{FFFF}]"));

        Assert.That(error!.Message, Does.Contain("general category"));
    }

    [Test]
    public void FindMatches_AppendsToTheList_AndKeepsThePattern()
    {
        var regex = new PreTokenizerRegex(@"\p{N}+");
        var matches = new List<(int Start, int Length)> { (7, 7) };

        regex.FindMatches("ab 12 c3", matches);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(matches, Is.EqualTo(new[] { (7, 7), (3, 2), (7, 1) }));
            Assert.That(regex.Pattern, Is.EqualTo(@"\p{N}+"));
        }
    }

    private static List<(int Start, int Length)> Matches(PreTokenizerRegex regex, string text)
    {
        var matches = new List<(int Start, int Length)>();
        regex.FindMatches(text, matches);
        return matches;
    }

    private static void AssertSameSpans(PreTokenizerRegex regex, string[] texts, List<(int, int)>[] expected)
    {
        var failures = new List<string>();
        for (var i = 0; i < texts.Length; i++)
        {
            var actual = Matches(regex, texts[i]);
            if (!actual.SequenceEqual(expected[i]))
            {
                var first = Enumerable.Range(0, Math.Max(actual.Count, expected[i].Count))
                    .First(k => k >= actual.Count || k >= expected[i].Count || actual[k] != expected[i][k]);
                failures.Add($"text {i} ({Escape(texts[i], 60)}): match {first} is "
                    + $"{Describe(texts[i], actual, first)}, the reference has {Describe(texts[i], expected[i], first)}");
            }
        }

        Assert.That(failures, Is.Empty, $"{regex.Pattern}\n" + string.Join('\n', failures.Take(10)));
    }

    private static string Describe(string text, List<(int Start, int Length)> spans, int index) =>
        index < spans.Count
            ? $"({spans[index].Start}, {spans[index].Length}) \"{Escape(text.Substring(spans[index].Start, spans[index].Length), 40)}\""
            : "missing";

    private static string Escape(string text, int limit)
    {
        var builder = new StringBuilder();
        foreach (var c in text.Take(limit))
        {
            builder.Append(c is >= ' ' and < '\u007F' ? c.ToString() : $"\\u{(int)c:X4}");
        }

        return text.Length > limit ? builder.Append('…').ToString() : builder.ToString();
    }

    /// <summary>The JavaScript spans of each pattern over each text.</summary>
    private static List<(int, int)>[][] RunReference((string Source, string Flags)[] patterns, string[] texts)
    {
        var request = JsonSerializer.Serialize(new
        {
            patterns = patterns.Select(pattern => new { source = pattern.Source, flags = pattern.Flags }).ToArray(),
            texts = texts.Select(CodePoints.Of).ToArray(),
        });
        using var reply = JsonDocument.Parse(JsReference.Run("regex-matches.mjs", request));
        var perPattern = reply.RootElement.GetProperty("matches");
        Assert.That(perPattern.GetArrayLength(), Is.EqualTo(patterns.Length), "regex-matches.mjs gave a result per pattern");

        return
        [
            .. perPattern.EnumerateArray().Select(perText => perText.EnumerateArray()
                .Select(spans => spans.EnumerateArray().Select(span => (span[0].GetInt32(), span[1].GetInt32())).ToList())
                .ToArray()),
        ];
    }

    private static string[] BuildCorpus()
    {
        string[] texts =
        [
            string.Empty,
            "Hello world! This is a test of the tokenizer, isn't it? We'll see what it does.",
            "The quick brown fox jumps over the lazy dog. THE QUICK BROWN FOX. MixedCase camelCase snake_case",
            "def f(x):\n    return x**2 + 1  # comment\n\n\tif (a && b) { c[i] = d->e; }\r\n",
            "{\n  \"name\": \"qrt\",\n  \"values\": [1, 2.5, -3e10],\n  \"path\": \"a/b/c\"\n}",
            "a   b\t\tc \t d    \n\n  e\u00A0f\u3000g\u2003h   ",
            "line1\r\nline2\r\n\r\n  line3\n\r  \n   \n\n\n",
            "   leading and trailing   ",
            " ",
            "\n",
            "\t",
            "\r\n",
            "1234567890 12 3.14159 1,000,000 2024-01-01 0x1F 123456789012345678901234567890",
            "I'm you're he's she'S we'LL they'd it'D I've I'VE 'tis 'T's don't DON'T",
            "it'\u017F THE'\u017F 's's ''s ' ' 'x 'sa 'Sa '\u017Fa 'LLama 'lLx 'dog 'Dx 'reed 'REd 'vex 'mom 'tea 'ss",
            "caf\u00E9 na\u00EFve r\u00E9sum\u00E9 e\u0301 a\u0300\u0301 \u00C5str\u00F6m n\u0303 \u1E31 \u0345",
            "\u0395\u03BB\u03BB\u03B7\u03BD\u03B9\u03BA\u03AC \u0420\u0443\u0441\u0441\u043A\u0438\u0439 \u0627\u0644\u0639\u0631\u0628\u064A\u0629 \u05E2\u05D1\u05E8\u05D9\u05EA \u0939\u093F\u0928\u094D\u0926\u0940 \u0E20\u0E32\u0E29\u0E32\u0E44\u0E17\u0E22",
            "Ti\u1EBFng Vi\u1EC7t c\u00F3 d\u1EA5u \u01C5 \u01C6 \u1F88",
            "\u4E2D\u6587\u5B57\u7B26\u6D4B\u8BD5\uFF0C\u4F60\u597D\u4E16\u754C\u3002\u65E5\u672C\u8A9E\u306E\u30C6\u30AD\u30B9\u30C8\u3001\u30AB\u30BF\u30AB\u30CA\u3002\uD55C\uAD6D\uC5B4 \uD14D\uC2A4\uD2B8",
            "\U00020000\U00020001\U0002A6D6 \U00020000 mixed \u4E2D\U00020002\u6587 x\U00020003y",
            "\U0001D400\U0001D401\U0001D402 \U0001D41A\U0001D41B \U0001D7CE\U0001D7CF\U0001D7D0 \U0001D465+\U0001D466=\U0001D467 \U0001D538\u2102",
            "\U0001F600 \U0001F44D\U0001F3FD \U0001F468\u200D\U0001F469\u200D\U0001F467\u200D\U0001F466 \U0001F3F3\uFE0F\u200D\U0001F308 \u2764\uFE0F 1\uFE0F\u20E3 \U0001F1EB\U0001F1F7 text\U0001F600text",
            "\U00010400\U00010428 \U00010330\U00010331 \U0001E900\U0001E922 \U0001E951\U0001E952 \U00011005\U00011038 \U000E0041 \U000F0000 \U0001D11E \U00010107 \U00010140 \U0001D165",
            "a\uD800b",
            "\uDC00 a",
            "a\uDBFF",
            "\U0001F600\uDE00a",
            "\uD800\U0001F600 x",
            " \uD800\uD800 abc\uDFFF'",
            "'\uD800s 1\uDC002",
            "\u0000\u0001\u001F\u007F\u000B\u000C\u001C\u001D\u001E\u001F x",
            "\u200B\u200C\u200D\u2060\u180E a\u200Bb",
            "\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200A\u2028\u2029\u202F\u205F\u3000 a \u2029b",
            "!!! ??? ... --- /// \\\\ @@ ## $$ %% ^^ && ** (( )) __ ++ == [[ ]] {{ }} || ;; :: \"\" '' << >> ,, ~~ ``",
            "path/to/file.txt\r\n/usr/bin//\n// comment\r\n",
            "Numbers\u00B2\u00B3 \u00BD \u2160\u2161 \u0660\u0661\u0662 \u0967\u0968 \uFF11\uFF12",
            "The year 2024 had 366 days; \U0001D7D0\U0001D7CE\U0001D7D0\U0001D7D2 in math digits.",
            "<|im_start|>user\nHi there<|im_end|>\n<s>[INST] x [/INST]</s>",
            SupplementarySweep(),
        ];

        var paragraph = string.Concat(texts.Skip(1).Take(20));
        return [.. texts, string.Concat(Enumerable.Repeat(paragraph, 30)), .. RandomTexts(400)];
    }

    /// <summary>Short random texts over the characters the patterns tell apart, lone surrogates included.</summary>
    private static IEnumerable<string> RandomTexts(int count)
    {
        string[] pieces =
        [
            " ", " ", "  ", "\t", "\n", "\r", "\r\n", "\u00A0", "\u3000", "\u2028", "'", "'s", "'S", "'ll", "'\u017F", "'re", "'Ve",
            "a", "Z", "\u00E9", "e\u0301", "\u0301", "\u01C5", "\u02B0", "\u4E2D", "\uAC00", "\u0939\u093F", "1", "42", "\u0662", "\u00BD", "\u2160",
            ".", ",", "!", "/", "-", "_", "$", "\u2014", "\u00AD", "\u200B", "\u200D", "\u0000", "\U0001F600", "\U0001F3FD",
            "\U00020000", "\U0001D400", "\U0001D41A", "\U0001D7CE", "\U00010140", "\U000E0041", "\U000F0000", "\uD800", "\uDC00",
        ];
        var random = new Random(20241123);
        for (var i = 0; i < count; i++)
        {
            var builder = new StringBuilder();
            var length = random.Next(0, 24);
            for (var k = 0; k < length; k++)
            {
                builder.Append(pieces[random.Next(pieces.Length)]);
            }

            yield return builder.ToString();
        }
    }

    /// <summary>
    /// Supplementary code points from blocks whose general categories have been stable across the Unicode versions
    /// of .NET and node (unassigned code points in them included), with spaces, letters, digits and newlines between.
    /// </summary>
    private static string SupplementarySweep()
    {
        (int First, int Last, int Step)[] blocks =
        [
            (0x10000, 0x1047F, 1), (0x11000, 0x1107F, 1), (0x1D400, 0x1D7FF, 1), (0x1D100, 0x1D1DD, 1),
            (0x1E900, 0x1E95F, 1), (0x1F300, 0x1F64F, 1), (0x20000, 0x2A6DF, 97), (0xE0000, 0xE007F, 1),
            (0xE0100, 0xE01EF, 1), (0xF0000, 0xF000F, 1), (0x10FFFE, 0x10FFFF, 1), (0xD0000, 0xD0003, 1),
        ];
        string[] separators = [" ", "a", "7", "\n", "'s", "  ", ".", "\r\n"];
        var builder = new StringBuilder();
        var count = 0;
        foreach (var (first, last, step) in blocks)
        {
            for (var codePoint = first; codePoint <= last; codePoint += step)
            {
                builder.Append(char.ConvertFromUtf32(codePoint));
                count++;
                if (count % 3 == 0)
                {
                    builder.Append(separators[(count / 3) % separators.Length]);
                }
            }
        }

        return builder.ToString();
    }
}
