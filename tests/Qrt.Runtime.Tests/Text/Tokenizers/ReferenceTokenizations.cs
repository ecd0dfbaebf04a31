using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Qrt.Runtime.Tests.Support;

namespace Qrt.Runtime.Tests.Text.Tokenizers;

/// <summary>
/// What the JavaScript port of the Hugging Face tokenizers (tests/reference-js/tokenize.mjs) makes of the whole
/// corpus: ids with and without special tokens, their decoding, and each text in NFC. One node process per
/// tokenizer, run once and shared by every test.
/// </summary>
internal static class ReferenceTokenizations
{
    private static readonly ConcurrentDictionary<string, Lazy<ReferenceTokenization>> Cache = new();

    /// <summary>The reference results for tokenizer <paramref name="name" /> ("qwen3", "llama2" or "llama3").</summary>
    public static ReferenceTokenization For(string name) =>
        Cache.GetOrAdd(name, key => new Lazy<ReferenceTokenization>(() => Compute(key))).Value;

    private static ReferenceTokenization Compute(string name)
    {
        var texts = new JsonArray();
        foreach (var entry in TokenizerCorpus.Entries)
        {
            texts.Add(new JsonArray([.. CodePoints.Of(entry.Text).Select(c => (JsonNode?)c)]));
        }

        var request = new JsonObject { ["tokenizer"] = name, ["texts"] = texts };
        var output = JsReference.Run("tokenize.mjs", request.ToJsonString());
        using var document = JsonDocument.Parse(output);
        var root = document.RootElement;
        var withSpecialTokens = ReadEncodings(root.GetProperty("withSpecialTokens"));
        var withoutSpecialTokens = ReadEncodings(root.GetProperty("withoutSpecialTokens"));
        var nfc = root.GetProperty("nfc").EnumerateArray().Select(ReadText).ToArray();
        var count = TokenizerCorpus.Entries.Count;
        if (withSpecialTokens.Length != count || withoutSpecialTokens.Length != count || nfc.Length != count)
        {
            Assert.Fail($"tokenize.mjs answered for a different number of texts than the {count} sent");
        }

        return new ReferenceTokenization(withSpecialTokens, withoutSpecialTokens, nfc);
    }

    private static ReferenceEncoding[] ReadEncodings(JsonElement result)
    {
        var ids = result.GetProperty("ids").EnumerateArray()
            .Select(sequence => sequence.EnumerateArray().Select(id => id.GetInt32()).ToArray())
            .ToArray();
        var decoded = result.GetProperty("decoded").EnumerateArray().Select(ReadText).ToArray();
        var skipping = result.GetProperty("decodedSkippingSpecial").EnumerateArray().Select(ReadText).ToArray();
        return [.. ids.Select((sequence, i) => new ReferenceEncoding(sequence, decoded[i], skipping[i]))];
    }

    private static string ReadText(JsonElement codePoints) =>
        CodePoints.ToText(codePoints.EnumerateArray().Select(c => c.GetInt32()));
}

/// <summary>The reference results for one tokenizer over the whole corpus.</summary>
internal sealed class ReferenceTokenization(
    ReferenceEncoding[] withSpecialTokens, ReferenceEncoding[] withoutSpecialTokens, string[] nfc)
{
    /// <summary>The encoding of <paramref name="entry" /> with or without the post-processor's special tokens.</summary>
    public ReferenceEncoding Encoding(CorpusEntry entry, bool addSpecialTokens) =>
        (addSpecialTokens ? withSpecialTokens : withoutSpecialTokens)[IndexOf(entry)];

    /// <summary><paramref name="entry" />'s text in Unicode normalization form C.</summary>
    public string Nfc(CorpusEntry entry) => nfc[IndexOf(entry)];

    private static int IndexOf(CorpusEntry entry)
    {
        var index = TokenizerCorpus.Entries.ToList().IndexOf(entry);
        return index >= 0 ? index : throw new ArgumentException($"'{entry.Name}' is not a corpus entry", nameof(entry));
    }
}

/// <summary>Reference ids of one text and the reference decoding of those ids.</summary>
internal sealed record ReferenceEncoding(int[] Ids, string Decoded, string DecodedSkippingSpecial);
