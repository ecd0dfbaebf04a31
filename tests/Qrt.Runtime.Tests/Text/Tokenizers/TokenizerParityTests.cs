namespace Qrt.Runtime.Tests.Text.Tokenizers;

/// <summary>
/// Qrt's ids and decoded text against the JavaScript port of the Hugging Face tokenizers, for the three real
/// tokenizers and every corpus entry.
/// </summary>
[TestFixture]
internal sealed class TokenizerParityTests
{
    private static IEnumerable<TestCaseData> Cases() => RealTokenizers.WithCorpus();

    private static IEnumerable<TestCaseData> RoundTripCases() =>
        from name in RealTokenizers.Names
        from entry in TokenizerCorpus.Entries
        where RoundTrip.IsLossless(name, entry.Text)
        select RealTokenizers.Case(name, entry);

    [TestCaseSource(nameof(Cases))]
    public void Encode_WithSpecialTokens_GivesTheReferenceIds(string name, CorpusEntry entry) =>
        AssertEncodeMatches(name, entry, addSpecialTokens: true);

    [TestCaseSource(nameof(Cases))]
    public void Encode_WithoutSpecialTokens_GivesTheReferenceIds(string name, CorpusEntry entry) =>
        AssertEncodeMatches(name, entry, addSpecialTokens: false);

    [TestCaseSource(nameof(Cases))]
    public void Decode_OfTheReferenceIds_GivesTheReferenceText(string name, CorpusEntry entry)
    {
        var reference = ReferenceTokenizations.For(name);
        var tokenizer = RealTokenizers.Load(name);
        foreach (var addSpecialTokens in new[] { true, false })
        {
            var expected = reference.Encoding(entry, addSpecialTokens);
            var what = addSpecialTokens ? "Decode of the ids with special tokens" : "Decode of the ids without special tokens";
            Assert.That(
                Mismatch.InText(entry, what, expected.Decoded, tokenizer.Decode(expected.Ids)),
                Is.Null);
            Assert.That(
                Mismatch.InText(entry, what + " (skipSpecialTokens)", expected.DecodedSkippingSpecial, tokenizer.Decode(expected.Ids, skipSpecialTokens: true)),
                Is.Null);
        }
    }

    [TestCaseSource(nameof(RoundTripCases))]
    public void Decode_OfEncode_GivesTheTextBack_WhereTheTokenizerIsLossless(string name, CorpusEntry entry)
    {
        var reference = ReferenceTokenizations.For(name);
        var expected = RoundTrip.Expected(name, entry, reference);

        // The rule that picks these entries is checked on the reference first, so a wrong rule shows as such.
        Assert.That(
            Mismatch.InText(entry, "the reference's own round trip", expected, reference.Encoding(entry, addSpecialTokens: false).Decoded),
            Is.Null,
            "RoundTrip.IsLossless admitted an entry the reference does not round-trip");

        var tokenizer = RealTokenizers.Load(name);
        var actual = tokenizer.Decode(tokenizer.Encode(entry.Text, addSpecialTokens: false));
        Assert.That(Mismatch.InText(entry, "Decode(Encode(text))", expected, actual), Is.Null);
    }

    private static void AssertEncodeMatches(string name, CorpusEntry entry, bool addSpecialTokens)
    {
        var expected = ReferenceTokenizations.For(name).Encoding(entry, addSpecialTokens).Ids;
        var tokenizer = RealTokenizers.Load(name);
        var actual = tokenizer.Encode(entry.Text, addSpecialTokens);
        Assert.That(Mismatch.InIds(tokenizer, entry, expected, actual), Is.Null);
    }
}
