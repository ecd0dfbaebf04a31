using System.Collections.Concurrent;
using System.Text.Json;
using Qrt.Runtime.Tests.Support;

namespace Qrt.Runtime.Tests.Text.Tokenizers;

/// <summary>
/// The tokenizer goldens in tests/goldens/tokenizers, written by tests/reference/tokenizer_goldens.py from the real
/// libraries: for every tokenizer and corpus entry, the ids with and without special tokens and their decodings,
/// once from the Rust tokenizers library reading tokenizer.json (<see cref="TokenizersLibrary" />) and once from
/// transformers' AutoTokenizer reading the directory (<see cref="Transformers" />). manifest.json says how each
/// tokenizer was made; variants.json holds the real tokenizers with one setting changed (<see cref="TokenizerVariants" />).
/// </summary>
internal static class TokenizerGoldens
{
    /// <summary>The results of <c>tokenizers.Tokenizer.from_file(tokenizer.json)</c>.</summary>
    public const string TokenizersLibrary = "tokenizers";

    /// <summary>The results of <c>transformers.AutoTokenizer.from_pretrained(directory)</c>.</summary>
    public const string Transformers = "transformers";

    private static readonly Lazy<JsonElement> LoadedManifest = new(() => Read("manifest.json"), LazyThreadSafetyMode.ExecutionAndPublication);

    private static readonly Lazy<JsonElement> LoadedVariants = new(() => Read("variants.json").GetProperty("variants"), LazyThreadSafetyMode.ExecutionAndPublication);

    private static readonly ConcurrentDictionary<string, Lazy<GoldenTokenization>> Loaded = new();

    /// <summary>manifest.json: versions, excluded corpus entries, and for each tokenizer its file hashes and origin.</summary>
    public static JsonElement Manifest => LoadedManifest.Value;

    /// <summary>The synth tokenizers of the manifest (those made with <c>qrt synth</c>), by name.</summary>
    public static IReadOnlyList<string> SynthNames =>
        [.. Manifest.GetProperty("tokenizers").EnumerateObject().Where(t => t.Value.TryGetProperty("architecture", out _)).Select(t => t.Name)];

    /// <summary>The golden of tokenizer <paramref name="name" /> (a real or a synth tokenizer).</summary>
    public static GoldenTokenization For(string name) =>
        Loaded.GetOrAdd(name, key => new Lazy<GoldenTokenization>(() => new GoldenTokenization(key, Read(key + ".json")))).Value;

    /// <summary>The golden of variant <paramref name="name" /> of tokenizer-variants.json.</summary>
    public static GoldenTokenization ForVariant(string name) =>
        Loaded.GetOrAdd("variant:" + name, _ => new Lazy<GoldenTokenization>(() => new GoldenTokenization(name, LoadedVariants.Value.GetProperty(name)))).Value;

    /// <summary>The names of the variants the goldens hold.</summary>
    public static IEnumerable<string> VariantNames => LoadedVariants.Value.EnumerateObject().Select(variant => variant.Name);

    private static JsonElement Read(string file)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(ReferenceFiles.Golden("tokenizers", file)));
        return document.RootElement.Clone();
    }
}

/// <summary>The golden of one tokenizer: per library and corpus entry, the ids and their decodings.</summary>
internal sealed class GoldenTokenization(string name, JsonElement root)
{
    /// <summary>The tokenizer's name in the goldens.</summary>
    public string Name => name;

    /// <summary>The transformers class AutoTokenizer chose (LlamaTokenizer, Qwen2Tokenizer, TokenizersBackend).</summary>
    public string TransformersClass => root.GetProperty("class").GetString()!;

    /// <summary>The corpus entries <paramref name="library" /> was run on.</summary>
    public IEnumerable<string> EntryNames(string library) => root.GetProperty(library).EnumerateObject().Select(entry => entry.Name);

    /// <summary>What <paramref name="library" /> made of <paramref name="entry" /> with or without special tokens.</summary>
    public ReferenceEncoding Encoding(string library, CorpusEntry entry, bool addSpecialTokens)
    {
        if (!root.GetProperty(library).TryGetProperty(entry.Name, out var result))
        {
            throw new InvalidDataException($"the {library} golden of '{name}' has no entry '{entry.Name}'; regenerate the goldens");
        }

        var encoding = result.GetProperty(addSpecialTokens ? "with_special_tokens" : "without_special_tokens");
        return new ReferenceEncoding(
            [.. encoding.GetProperty("ids").EnumerateArray().Select(id => id.GetInt32())],
            encoding.GetProperty("decoded").GetString()!,
            encoding.GetProperty("decoded_skipping_special").GetString()!);
    }
}
