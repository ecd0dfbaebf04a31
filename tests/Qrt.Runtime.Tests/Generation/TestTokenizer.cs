using Qrt.Runtime.Tests.Text.Tokenizers;
using Qrt.Runtime.Text;

namespace Qrt.Runtime.Tests.Generation;

/// <summary>
/// The small byte-level tokenizer of <see cref="SmallTokenizerFiles" /> with an end-of-sequence token added and a
/// tokenizer_config.json that makes Encode add BOS (as Llama-family tokenizers do): a byte's id is its value
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
        files.WriteTokenizerJson(json);
        files.WriteTokenizerConfig("""{"tokenizer_class": "LlamaTokenizerFast", "bos_token": "<s>", "eos_token": "</s>"}""");
        return Tokenizer.Load(files.Directory);
    }
}
