using Qrt.Runtime.Text.Unicode;

namespace Qrt.Runtime.Tests.Text.Unicode;

/// <summary>
/// Results that need no reference implementation: examples from UAX #15 and the Unicode Standard, written out
/// by hand, and the fast path that returns already-normalized text as it is.
/// </summary>
[TestFixture]
public sealed class UnicodeNormalizerKnownResultsTests
{
    [TestCase("e\u0301", "Nfc", "\u00E9", TestName = "e + acute composes to é in NFC")]
    [TestCase("\u00E9", "Nfd", "e\u0301", TestName = "é decomposes in NFD")]
    [TestCase("\uFB01", "Nfkc", "fi", TestName = "the fi ligature becomes f, i in NFKC")]
    [TestCase("\uFB01", "Nfc", "\uFB01", TestName = "the fi ligature stays in NFC")]
    [TestCase("\u1E9B\u0323", "Nfc", "\u1E9B\u0323", TestName = "long s with dot above and dot below in NFC")]
    [TestCase("\u1E9B\u0323", "Nfd", "\u017F\u0323\u0307", TestName = "long s with dot above and dot below in NFD")]
    [TestCase("\u1E9B\u0323", "Nfkc", "\u1E69", TestName = "long s with dot above and dot below in NFKC")]
    [TestCase("\u1E9B\u0323", "Nfkd", "s\u0323\u0307", TestName = "long s with dot above and dot below in NFKD")]
    [TestCase("a\u0301\u0323", "Nfd", "a\u0323\u0301", TestName = "marks are put in combining class order")]
    [TestCase("a\u0301\u0323", "Nfc", "\u1EA1\u0301", TestName = "the lower class composes first")]
    [TestCase("a\u0300\u0301", "Nfc", "\u00E0\u0301", TestName = "a mark of equal class blocks composition")]
    [TestCase("\u1100\u1161", "Nfc", "\uAC00", TestName = "Hangul L + V composes")]
    [TestCase("\u1100\u1161\u11A8", "Nfc", "\uAC01", TestName = "Hangul L + V + T composes")]
    [TestCase("\uAC00\u11A8", "Nfc", "\uAC01", TestName = "Hangul LV + T composes")]
    [TestCase("\uD55C", "Nfd", "\u1112\u1161\u11AB", TestName = "Hangul LVT decomposes")]
    [TestCase("\u212B", "Nfc", "\u00C5", TestName = "the angstrom sign is a singleton")]
    [TestCase("\u2126", "Nfc", "\u03A9", TestName = "the ohm sign is a singleton")]
    [TestCase("\u0958", "Nfc", "\u0915\u093C", TestName = "an excluded composite stays decomposed")]
    [TestCase("\U0001D15E", "Nfc", "\U0001D157\U0001D165", TestName = "a supplementary excluded composite")]
    [TestCase("\U00011099\U000110BA", "Nfc", "\U0001109A", TestName = "a supplementary pair composes")]
    [TestCase("\u30AB\uFF9E", "Nfkc", "\u30AC", TestName = "a halfwidth voiced mark composes in NFKC")]
    [TestCase("\u2460", "Nfkd", "1", TestName = "a circled digit in NFKD")]
    [TestCase("x\uD800\u0301y\uDC00", "Nfc", "x\uD800\u0301y\uDC00", TestName = "lone surrogates pass through")]
    [TestCase("\u0301e", "Nfc", "\u0301e", TestName = "a leading mark has nothing to compose with")]
    [TestCase("", "Nfkc", "", TestName = "the empty string")]
    public void Normalize_GivesTheKnownResult(string text, string formName, string expected)
    {
        var actual = UnicodeNormalizer.Normalize(text, Enum.Parse<UnicodeNormalForm>(formName));

        Assert.That(CodeUnits(actual), Is.EqualTo(CodeUnits(expected)));
    }

    [Test]
    public void Normalize_ReturnsTheSameInstance_ForTextAlreadyInTheForm()
    {
        var ascii = "The quick brown fox jumps over the lazy dog. 0123456789 {}[]<>\t\n" + new string('x', 1000);
        var precomposed = "Caf\u00E9 d\u00E9j\u00E0 vu, na\u00EFve \u00C5ngstr\u00F6m, \uD55C\uAD6D\uC5B4, \u65E5\u672C";
        var decomposed = "Cafe\u0301 de\u0301ja\u0300 vu";
        // U+0301 can compose with what precedes it, but not with q: the text is in NFC all the same.
        var uncomposable = "q\u0301";

        using (Assert.EnterMultipleScope())
        {
            foreach (var form in Enum.GetValues<UnicodeNormalForm>())
            {
                Assert.That(UnicodeNormalizer.Normalize(ascii, form), Is.SameAs(ascii), $"ASCII in {form}");
            }

            Assert.That(UnicodeNormalizer.Normalize(precomposed, UnicodeNormalForm.Nfc), Is.SameAs(precomposed));
            Assert.That(UnicodeNormalizer.Normalize(decomposed, UnicodeNormalForm.Nfd), Is.SameAs(decomposed));
            Assert.That(UnicodeNormalizer.Normalize(uncomposable, UnicodeNormalForm.Nfc), Is.SameAs(uncomposable));
        }
    }

    [Test]
    public void Normalize_ChangesOnlyTheSegmentThatNeedsIt_InLongText()
    {
        var prefix = string.Concat(Enumerable.Repeat("plain ascii text ", 100));
        var text = prefix + "e\u0301" + prefix + "\u212B" + prefix;

        var actual = UnicodeNormalizer.Normalize(text, UnicodeNormalForm.Nfc);

        Assert.That(actual, Is.EqualTo(prefix + "\u00E9" + prefix + "\u00C5" + prefix));
    }

    [Test]
    public void Normalize_StaysLinear_ForThousandsOfMarksOnOneBase()
    {
        // 100,000 marks of alternating classes 230 and 220: NFD puts every 220 before every 230.
        var marks = string.Concat(Enumerable.Repeat("\u0301\u0323", 50_000));
        var expected = "a" + new string('\u0323', 50_000) + new string('\u0301', 50_000);

        var started = System.Diagnostics.Stopwatch.StartNew();
        var actual = UnicodeNormalizer.Normalize("a" + marks, UnicodeNormalForm.Nfd);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(actual, Is.EqualTo(expected));
            Assert.That(started.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)), "reordering must not be quadratic");
        }
    }

    [Test]
    public void Normalize_RejectsAnUnknownForm()
    {
        Assert.That(
            () => UnicodeNormalizer.Normalize("e\u0301", (UnicodeNormalForm)42),
            Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("not a Unicode normalization form"));
    }

    private static int[] CodeUnits(string text) => [.. text.Select(unit => (int)unit)];
}
