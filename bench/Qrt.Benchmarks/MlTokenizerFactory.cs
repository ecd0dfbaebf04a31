using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace Qrt.Benchmarks;

/// <summary>Microsoft.ML.Tokenizers objects built from a tokenizer.json, as a user of that library would.</summary>
internal static class MlTokenizerFactory
{
    /// <summary>A byte-level <see cref="BpeTokenizer" /> with the file's vocabulary, merges, Split regex and added tokens.</summary>
    public static Tokenizer ByteLevelBpe(string directory)
    {
        using var document = ReadTokenizerJson(directory);
        var root = document.RootElement;
        var special = AddedTokens(root);
        var model = root.GetProperty("model");
        var vocabulary = model.GetProperty("vocab").EnumerateObject()
            .Select(p => new KeyValuePair<string, int>(p.Name, p.Value.GetInt32()))
            .ToList();
        var merges = model.GetProperty("merges").EnumerateArray()
            .Select(m => m.ValueKind == JsonValueKind.Array ? $"{m[0].GetString()} {m[1].GetString()}" : m.GetString()!)
            .ToList();
        return BpeTokenizer.Create(new BpeOptions(vocabulary)
        {
            Merges = merges,
            SpecialTokens = special,
            PreTokenizer = new RegexPreTokenizer(SplitRegex(root), special),
            ByteLevel = true,
        });
    }

    /// <summary>
    /// A <see cref="TiktokenTokenizer" /> whose ranks are the vocabulary ids (a tokenizer.json with ignore_merges
    /// comes from a tiktoken file, where rank and id are the same), with the file's Split regex and added tokens.
    /// </summary>
    public static Tokenizer Tiktoken(string directory)
    {
        using var document = ReadTokenizerJson(directory);
        var root = document.RootElement;
        var special = AddedTokens(root);
        var ranks = new StringBuilder();
        foreach (var entry in root.GetProperty("model").GetProperty("vocab").EnumerateObject())
        {
            ranks.Append(Convert.ToBase64String(ByteLevelBytes(entry.Name))).Append(' ')
                .Append(entry.Value.GetInt32().ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(ranks.ToString()));
        return TiktokenTokenizer.Create(stream, new RegexPreTokenizer(SplitRegex(root), special), normalizer: null, special);
    }

    private static JsonDocument ReadTokenizerJson(string directory) =>
        JsonDocument.Parse(File.ReadAllBytes(Path.Combine(directory, "tokenizer.json")));

    private static Dictionary<string, int> AddedTokens(JsonElement root) =>
        root.GetProperty("added_tokens").EnumerateArray()
            .ToDictionary(t => t.GetProperty("content").GetString()!, t => t.GetProperty("id").GetInt32());

    /// <summary>The pattern of the first Split pre-tokenizer, compiled as .NET reads it (no translation).</summary>
    private static Regex SplitRegex(JsonElement root)
    {
        var preTokenizer = root.GetProperty("pre_tokenizer");
        var split = preTokenizer.GetProperty("type").GetString() == "Sequence"
            ? preTokenizer.GetProperty("pretokenizers").EnumerateArray().First(p => p.GetProperty("type").GetString() == "Split")
            : preTokenizer;
        return new Regex(split.GetProperty("pattern").GetProperty("Regex").GetString()!, RegexOptions.Compiled | RegexOptions.CultureInvariant);
    }

    /// <summary>The bytes a byte-level token string stands for (GPT-2's printable alphabet, inverted).</summary>
    private static byte[] ByteLevelBytes(string token)
    {
        var bytes = new byte[token.Length];
        for (var i = 0; i < token.Length; i++)
        {
            bytes[i] = ByteOfSymbol[token[i]];
        }

        return bytes;
    }

    private static readonly Dictionary<char, byte> ByteOfSymbol = BuildByteOfSymbol();

    private static Dictionary<char, byte> BuildByteOfSymbol()
    {
        static bool Printable(int b) => b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
        var map = new Dictionary<char, byte>();
        var shifted = 0;
        for (var b = 0; b < 256; b++)
        {
            map[Printable(b) ? (char)b : (char)(256 + shifted++)] = (byte)b;
        }

        return map;
    }
}
