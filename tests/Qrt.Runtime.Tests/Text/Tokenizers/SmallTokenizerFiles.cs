using System.Text.Json.Nodes;

namespace Qrt.Runtime.Tests.Text.Tokenizers;

/// <summary>
/// A minimal but complete byte-level BPE tokenizer.json — the 256 byte symbols, one merge ("a b" → "ab") and a
/// special added token — written into a temporary model directory, so each malformed-file test changes one thing.
/// </summary>
internal sealed class SmallTokenizerFiles : IDisposable
{
    /// <summary>Id of the merged token "ab".</summary>
    public const int MergedId = 256;

    /// <summary>Id of the special added token "&lt;s&gt;".</summary>
    public const int SpecialId = 257;

    public SmallTokenizerFiles()
    {
        Directory = Path.Combine(Path.GetTempPath(), "qrt-tokenizer-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
    }

    /// <summary>The model directory.</summary>
    public string Directory { get; }

    /// <summary>tokenizer.json in <see cref="Directory" />.</summary>
    public string TokenizerJsonPath => Path.Combine(Directory, "tokenizer.json");

    /// <summary>tokenizer_config.json in <see cref="Directory" />.</summary>
    public string TokenizerConfigPath => Path.Combine(Directory, "tokenizer_config.json");

    /// <summary>A fresh copy of the valid tokenizer.json, to change before writing.</summary>
    public static JsonObject ValidTokenizerJson()
    {
        var vocab = new JsonObject();
        for (var b = 0; b < 256; b++)
        {
            vocab[ByteSymbol(b).ToString()] = b;
        }

        vocab["ab"] = MergedId;
        var byteLevel = new JsonObject
        {
            ["type"] = "ByteLevel",
            ["add_prefix_space"] = false,
            ["trim_offsets"] = false,
            ["use_regex"] = true,
        };
        return new JsonObject
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = new JsonArray(AddedToken(SpecialId, "<s>")),
            ["normalizer"] = null,
            ["pre_tokenizer"] = byteLevel.DeepClone(),
            ["post_processor"] = byteLevel.DeepClone(),
            ["decoder"] = byteLevel.DeepClone(),
            ["model"] = new JsonObject
            {
                ["type"] = "BPE",
                ["dropout"] = null,
                ["unk_token"] = null,
                ["continuing_subword_prefix"] = null,
                ["end_of_word_suffix"] = null,
                ["fuse_unk"] = false,
                ["byte_fallback"] = false,
                ["vocab"] = vocab,
                ["merges"] = new JsonArray("a b"),
            },
        };
    }

    /// <summary>An added-token object as tokenizer.json writes it.</summary>
    public static JsonObject AddedToken(int id, string content) => new()
    {
        ["id"] = id,
        ["content"] = content,
        ["single_word"] = false,
        ["lstrip"] = false,
        ["rstrip"] = false,
        ["normalized"] = false,
        ["special"] = true,
    };

    /// <summary>
    /// The printable character GPT-2's byte-level alphabet uses for byte <paramref name="value" />: printable
    /// Latin-1 bytes stand for themselves, the other 68 are numbered from U+0100 in byte order.
    /// </summary>
    public static char ByteSymbol(int value)
    {
        static bool Printable(int b) => b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
        if (Printable(value))
        {
            return (char)value;
        }

        var shifted = 0;
        for (var b = 0; b < value; b++)
        {
            if (!Printable(b))
            {
                shifted++;
            }
        }

        return (char)(256 + shifted);
    }

    /// <summary>Writes <paramref name="tokenizerJson" /> as tokenizer.json.</summary>
    public void WriteTokenizerJson(JsonNode tokenizerJson) => WriteTokenizerJson(tokenizerJson.ToJsonString());

    /// <summary>Writes <paramref name="text" /> verbatim as tokenizer.json.</summary>
    public void WriteTokenizerJson(string text) => File.WriteAllText(TokenizerJsonPath, text);

    /// <summary>Writes <paramref name="text" /> verbatim as tokenizer_config.json.</summary>
    public void WriteTokenizerConfig(string text) => File.WriteAllText(TokenizerConfigPath, text);

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temporary directory is harmless.
        }
    }
}
