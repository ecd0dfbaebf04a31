using System.Text.Json.Nodes;
using Qrt.Runtime.Tests.Text.Tokenizers;
using Qrt.Runtime.Text;

namespace Qrt.Runtime.Tests.Generation;

/// <summary>
/// The small byte-level tokenizer of <see cref="SmallTokenizerFiles" /> with an end-of-sequence token added and a
/// post-processor that makes Encode add BOS (as Llama-family tokenizer.json files do): a byte's id is its value
/// ('c' = 99), "ab" is 256, "&lt;s&gt;" 257 and "&lt;/s&gt;" 258.
/// </summary>
internal static class TestTokenizer
{
    public const int BosId = SmallTokenizerFiles.SpecialId;

    public const int EosId = 258;

    public const int VocabularySize = 259;

    private static readonly Lazy<Tokenizer> Shared = new(Build);

    public static Tokenizer Instance => Shared.Value;

    /// <summary>The ids this tokenizer gives ASCII text without "ab" in it: its bytes.</summary>
    public static int[] Bytes(string text) => [.. System.Text.Encoding.UTF8.GetBytes(text).Select(b => (int)b)];

    private static Tokenizer Build()
    {
        using var files = new SmallTokenizerFiles();
        var json = SmallTokenizerFiles.ValidTokenizerJson();
        json["added_tokens"]!.AsArray().Add(SmallTokenizerFiles.AddedToken(EosId, "</s>"));
        // Llama 2's post-processor: BOS before the text (the pair template is there because the format requires one).
        json["post_processor"] = JsonNode.Parse($$"""
            {
              "type": "TemplateProcessing",
              "single": [{ "SpecialToken": { "id": "<s>", "type_id": 0 } }, { "Sequence": { "id": "A", "type_id": 0 } }],
              "pair": [
                { "SpecialToken": { "id": "<s>", "type_id": 0 } }, { "Sequence": { "id": "A", "type_id": 0 } },
                { "SpecialToken": { "id": "<s>", "type_id": 1 } }, { "Sequence": { "id": "B", "type_id": 1 } }
              ],
              "special_tokens": { "<s>": { "id": "<s>", "ids": [{{BosId}}], "tokens": ["<s>"] } }
            }
            """);
        files.WriteTokenizerJson(json);
        files.WriteTokenizerConfig("""{"bos_token": "<s>", "eos_token": "</s>"}""");
        return Tokenizer.Load(files.Directory);
    }
}
