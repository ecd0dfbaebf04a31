namespace Qrt.Runtime.Tests.Text.Tokenizers;

/// <summary>
/// Qrt's ids and decoded text against the JavaScript port of the Hugging Face tokenizers, for the three real
/// tokenizers and every corpus entry, lone surrogates included (the real libraries cannot take those).
/// </summary>
/// <remarks>
/// The port reads tokenizer.json as written and follows transformers 4 where transformers 5, the reference, does
/// otherwise: it keeps Llama 2's file pipeline where transformers 5's LlamaTokenizer class builds its own, and it
/// cleans up spaces on decode (Llama 3's clean_up_tokenization_spaces) where transformers 5 skips that for BPE
/// models. So the port is compared with Qrt reading tokenizer.json alone (<see cref="RealTokenizers.LoadAsWritten" />)
/// and asked to decode without the clean-up; what transformers 5 does on top is checked against its own goldens in
/// <c>TokenizerGoldenTests</c>.
/// </remarks>
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
        var tokenizer = RealTokenizers.LoadAsWritten(name);
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

        var tokenizer = RealTokenizers.LoadAsWritten(name);
        var actual = tokenizer.Decode(tokenizer.Encode(entry.Text, addSpecialTokens: false));
        Assert.That(Mismatch.InText(entry, "Decode(Encode(text))", expected, actual), Is.Null);
    }

    private static void AssertEncodeMatches(string name, CorpusEntry entry, bool addSpecialTokens)
    {
        var expected = ReferenceTokenizations.For(name).Encoding(entry, addSpecialTokens).Ids;
        var tokenizer = RealTokenizers.LoadAsWritten(name);
        var actual = tokenizer.Encode(entry.Text, addSpecialTokens);
        Assert.That(Mismatch.InIds(tokenizer, entry, expected, actual), Is.Null);
    }
}
