using System.Text;
using Qrt.Runtime.Text;

namespace Qrt.Runtime.Tests.Text.Tokenizers;

/// <summary>
/// The streaming detokenizer, fed one id at a time, against the whole-sequence decode: same text in the end,
/// never half a character on the way, and text released as soon as it is certain.
/// </summary>
[TestFixture]
internal sealed class StreamingDetokenizerTests
{
    private static IEnumerable<TestCaseData> StreamCases() => RealTokenizers.WithCorpus();

    private static IEnumerable<TestCaseData> AsciiCases() =>
        from name in RealTokenizers.Names
        from entryName in new[] { "english-prose", "csharp-code", "python-code" }
        let entry = TokenizerCorpus.Entries.Single(e => e.Name == entryName)
        select RealTokenizers.Case(name, entry);

    private static IEnumerable<TestCaseData> CleanUpCases() =>
        from entryName in new[] { "punctuation-spacing", "french", "long-mixed-paragraph" }
        select new TestCaseData(TokenizerCorpus.Entries.Single(e => e.Name == entryName)).SetName($"{{m}}({entryName})");

    [TestCaseSource(nameof(StreamCases))]
    public void Pushes_AndFlush_AddUpToDecode_WithoutSplittingACharacter(string name, CorpusEntry entry)
    {
        var tokenizer = RealTokenizers.Load(name);
        var ids = tokenizer.Encode(entry.Text);
        foreach (var skipSpecialTokens in new[] { false, true })
        {
            var expected = tokenizer.Decode(ids, skipSpecialTokens);
            var streamed = Stream(tokenizer, ids, skipSpecialTokens, expected, entry);
            Assert.That(
                Mismatch.InText(entry, $"streamed text (skipSpecialTokens: {skipSpecialTokens})", expected, streamed),
                Is.Null);
        }
    }

    [TestCaseSource(nameof(CleanUpCases))]
    public void WithTheCleanUpOfSpaces_Pushes_AndFlush_AddUpToDecode(CorpusEntry entry)
    {
        // transformers 5 cleans up spaces before punctuation for a BPE model only when forced to (Llama 3 with
        // clean_up_tokenization_spaces_for_bpe_even_though_it_will_corrupt_output); then the streamed text must hold
        // back what a later token can still clean up, and still add up to Decode (which the goldens check).
        var tokenizer = Tokenizer.Load(TokenizerVariants.Directory("llama3-forced-clean-up"));
        var ids = tokenizer.Encode(entry.Text);
        var expected = tokenizer.Decode(ids);
        Assert.That(expected, Is.Not.EqualTo(RealTokenizers.Load(RealTokenizers.Llama3).Decode(ids)), "the entry has spaces to clean up");

        var streamed = Stream(tokenizer, ids, skipSpecialTokens: false, expected, entry);
        Assert.That(Mismatch.InText(entry, "streamed text with the clean-up", expected, streamed), Is.Null);
    }

    [TestCaseSource(nameof(AsciiCases))]
    public void Push_ReleasesEverythingButTheLastTokensText(string name, CorpusEntry entry)
    {
        var tokenizer = RealTokenizers.Load(name);
        var ids = tokenizer.Encode(entry.Text);
        var detokenizer = tokenizer.CreateStreamingDetokenizer();
        var emitted = new StringBuilder();
        for (var count = 1; count <= ids.Length; count++)
        {
            emitted.Append(detokenizer.Push(ids[count - 1]));

            // Only the latest token can still change (a clean-up rule, a leading space), and with it at most the
            // space before it: everything decoded from the earlier tokens must be out already.
            var settled = tokenizer.Decode(ids.AsSpan(0, count - 1)).Length - 1;
            Assert.That(
                emitted.Length,
                Is.GreaterThanOrEqualTo(settled),
                $"after {count} of {ids.Length} ids only {emitted.Length} characters were released: {Mismatch.Quote(emitted.ToString())}");
        }

        emitted.Append(detokenizer.Flush());
        Assert.That(emitted.ToString(), Is.EqualTo(tokenizer.Decode(ids)));
    }

    [TestCase(RealTokenizers.Llama2,
        "[INST] Say hello [/INST]",
        "<s> [INST] Say hello [/INST] Hello there",
        "[INST] Say hello [/INST] Hello there")]
    [TestCase(RealTokenizers.Qwen3,
        "<|im_start|>user\nSay hello<|im_end|>\n<|im_start|>assistant\n",
        "<|im_start|>user\nSay hello<|im_end|>\n<|im_start|>assistant\nHello there",
        "user\nSay hello\nassistant\nHello there")]
    [TestCase(RealTokenizers.Llama3,
        "<|start_header_id|>user<|end_header_id|>\n\nSay hello<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
        "<|start_header_id|>user<|end_header_id|>\n\nSay hello<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nHello there",
        "user\n\nSay helloassistant\n\nHello there")]
    public void PromptThenGeneratedIds_KeepTheSpaceBeforeTheFirstGeneratedWord(
        string name, string prompt, string expected, string expectedSkippingSpecial)
    {
        // The expected strings are what the Hugging Face tokenizers decode for the same ids. For Llama 2 the
        // first generated token is "▁Hello": after a prompt its ▁ is a real space, which a decoder that
        // started afresh at the first generated id would strip.
        var tokenizer = RealTokenizers.Load(name);
        var ids = tokenizer.Encode(prompt).Concat(tokenizer.Encode("Hello there", addSpecialTokens: false)).ToArray();
        foreach (var (skipSpecialTokens, text) in new[] { (false, expected), (true, expectedSkippingSpecial) })
        {
            var detokenizer = tokenizer.CreateStreamingDetokenizer(skipSpecialTokens);
            var streamed = string.Concat(ids.Select(detokenizer.Push)) + detokenizer.Flush();
            Assert.That(streamed, Is.EqualTo(text), $"skipSpecialTokens: {skipSpecialTokens}");
        }
    }

    [Test]
    public void ByteFallbackRun_OfAFourByteCharacter_IsReleasedWhole()
    {
        // "\U0001F600" spelled with Llama 2's byte-fallback tokens, one per UTF-8 byte.
        var tokenizer = RealTokenizers.Load(RealTokenizers.Llama2);
        var bytes = new[] { "<0xF0>", "<0x9F>", "<0x98>", "<0x80>" }.Select(token => tokenizer.TokenToId(token)!.Value).ToArray();
        var detokenizer = tokenizer.CreateStreamingDetokenizer();
        var pieces = bytes.Select(detokenizer.Push).ToList();
        pieces.Add(detokenizer.Flush());

        Assert.That(pieces.Take(3), Is.All.Empty, "nothing can be certain before the fourth byte");
        Assert.That(string.Concat(pieces), Is.EqualTo("\U0001F600"));
    }

    [Test]
    public void TruncatedUtf8_AtTheEnd_IsFlushedAsDecodeGivesIt()
    {
        // Two bytes of a four-byte sequence and nothing after them: a replacement character, as in Decode.
        var tokenizer = RealTokenizers.Load(RealTokenizers.Llama2);
        var hello = tokenizer.Encode("Hello", addSpecialTokens: false);
        var ids = hello.Concat(new[] { "<0xF0>", "<0x9F>" }.Select(token => tokenizer.TokenToId(token)!.Value)).ToArray();
        var detokenizer = tokenizer.CreateStreamingDetokenizer();
        var streamed = string.Concat(ids.Select(detokenizer.Push)) + detokenizer.Flush();

        Assert.That(streamed, Is.EqualTo(tokenizer.Decode(ids)));
        Assert.That(streamed, Does.StartWith("Hello").And.EndWith("\uFFFD"));
    }

    /// <summary>
    /// Pushes <paramref name="ids" /> one by one and returns all the text; fails at the first piece that ends
    /// inside a surrogate pair or shows U+FFFD where the whole decode has none (half a UTF-8 sequence let out).
    /// </summary>
    private static string Stream(Tokenizer tokenizer, int[] ids, bool skipSpecialTokens, string expected, CorpusEntry entry)
    {
        var detokenizer = tokenizer.CreateStreamingDetokenizer(skipSpecialTokens);
        var emitted = new StringBuilder();
        for (var i = 0; i <= ids.Length; i++)
        {
            var piece = i < ids.Length ? detokenizer.Push(ids[i]) : detokenizer.Flush();
            var step = i < ids.Length ? $"Push of id {ids[i]} (#{i})" : "Flush";
            Assert.That(
                piece.Length > 0 && char.IsHighSurrogate(piece[^1]),
                Is.False,
                $"'{entry.Name}': {step} ended inside a surrogate pair: {Mismatch.Quote(piece)}");
            for (var j = 0; j < piece.Length; j++)
            {
                var at = emitted.Length + j;
                if (piece[j] == '\uFFFD' && (at >= expected.Length || expected[at] != '\uFFFD'))
                {
                    Assert.Fail($"'{entry.Name}': {step} released U+FFFD at index {at}, where Decode has none: {Mismatch.Quote(piece)}");
                }
            }

            emitted.Append(piece);
        }

        return emitted.ToString();
    }
}
