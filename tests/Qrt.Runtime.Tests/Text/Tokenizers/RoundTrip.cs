namespace Qrt.Runtime.Tests.Text.Tokenizers;

/// <summary>
/// Where <c>Decode(Encode(text, addSpecialTokens: false))</c> must give the text back, and what it gives, for
/// tokenizer.json read as written.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Every tokenizer: only well-formed UTF-16. A lone surrogate is encoded as the UTF-8 of U+FFFD and
/// decodes as U+FFFD.</item>
/// <item>Qwen3 (byte-level BPE behind an NFC normalizer): the text comes back in NFC; a decomposed "e" + U+0301
/// comes back as U+00E9.</item>
/// <item>Llama 3 (byte-level BPE): the text comes back as it was (tokenizer.json read as written has no clean-up of
/// spaces on decode).</item>
/// <item>Llama 2 (SentencePiece BPE with byte fallback, so no text is unknown): the text comes back as it was,
/// unless it holds U+2581 (which is the tokenizer's own space and decodes as " ") or an added-token string
/// ("&lt;unk&gt;", "&lt;s&gt;", "&lt;/s&gt;"), which splits the text into pieces that each get the leading "▁"
/// while only the first has it stripped on decode.</item>
/// </list>
/// </remarks>
internal static class RoundTrip
{
    private static readonly string[] Llama2AddedTokens = ["<unk>", "<s>", "</s>"];

    /// <summary>Whether tokenizer <paramref name="name" /> gives <paramref name="text" /> back (as <see cref="Expected" />).</summary>
    public static bool IsLossless(string name, string text)
    {
        if (!TokenizerCorpus.IsWellFormedUtf16(text))
        {
            return false;
        }

        return name switch
        {
            RealTokenizers.Qwen3 or RealTokenizers.Llama3 => true,
            RealTokenizers.Llama2 => !text.Contains('\u2581', StringComparison.Ordinal)
                && !Llama2AddedTokens.Any(token => text.Contains(token, StringComparison.Ordinal)),
            _ => throw new ArgumentException($"no round-trip rule for tokenizer '{name}'", nameof(name)),
        };
    }

    /// <summary>The text a lossless round trip gives back: the NFC form for Qwen3, the text itself otherwise.</summary>
    public static string Expected(string name, CorpusEntry entry, ReferenceTokenization reference) =>
        name == RealTokenizers.Qwen3 ? reference.Nfc(entry) : entry.Text;
}
