using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Qrt.Runtime.Tests.Support;

namespace Qrt.Runtime.Tests.Text.Tokenizers;

/// <summary>
/// The variants of tests/reference/inputs/tokenizer-variants.json: a real tokenizer with one setting changed, made
/// the way the golden script makes them (top-level keys of tokenizer_config.json and tokenizer.json set or removed,
/// a config.json when the variant gives one), each written once per run.
/// </summary>
internal static class TokenizerVariants
{
    private static readonly Lazy<JsonObject> Input = new(
        () => JsonNode.Parse(File.ReadAllText(ReferenceFiles.Input("tokenizer-variants.json")))!.AsObject(),
        LazyThreadSafetyMode.ExecutionAndPublication);

    private static readonly ConcurrentDictionary<string, Lazy<string>> Written = new();

    /// <summary>Every variant's name, in the file's order.</summary>
    public static IReadOnlyList<string> Names => [.. Variants.Select(variant => variant["name"]!.GetValue<string>())];

    /// <summary>The corpus entries every variant is checked on.</summary>
    public static IReadOnlyList<CorpusEntry> Entries
    {
        get
        {
            var names = Input.Value["entries"]!.AsArray().Select(name => name!.GetValue<string>()).ToList();
            return [.. names.Select(name => TokenizerCorpus.Entries.SingleOrDefault(entry => entry.Name == name)
                ?? throw new InvalidDataException($"tokenizer-variants.json names '{name}', which is not a corpus entry"))];
        }
    }

    /// <summary>The real tokenizer variant <paramref name="name" /> changes.</summary>
    public static string BaseOf(string name) => Variant(name)["base"]!.GetValue<string>();

    /// <summary>The directory holding variant <paramref name="name" />'s files, written on first use.</summary>
    public static string Directory(string name) =>
        Written.GetOrAdd(name, key => new Lazy<string>(() => Write(key), LazyThreadSafetyMode.ExecutionAndPublication)).Value;

    private static IEnumerable<JsonObject> Variants => Input.Value["variants"]!.AsArray().Select(variant => variant!.AsObject());

    private static JsonObject Variant(string name) =>
        Variants.SingleOrDefault(variant => variant["name"]!.GetValue<string>() == name)
        ?? throw new ArgumentException($"no tokenizer variant '{name}'", nameof(name));

    private static string Write(string name)
    {
        var variant = Variant(name);
        var source = RealTokenizers.Directory(variant["base"]!.GetValue<string>());
        var directory = GeneratedTokenizerFiles.NewDirectory("variant-" + name);
        Edit(source, directory, "tokenizer.json", variant["tokenizer_json"]?.AsObject(), null);
        Edit(source, directory, "tokenizer_config.json", variant["tokenizer_config"]?.AsObject(), variant["remove_from_tokenizer_config"]?.AsArray());
        if (variant["config_json"] is { } config)
        {
            File.WriteAllText(Path.Combine(directory, "config.json"), config.ToJsonString());
        }

        return directory;
    }

    private static void Edit(string source, string directory, string file, JsonObject? changes, JsonArray? removals)
    {
        var content = JsonNode.Parse(File.ReadAllText(Path.Combine(source, file)))!.AsObject();
        foreach (var key in removals ?? [])
        {
            if (!content.Remove(key!.GetValue<string>()))
            {
                throw new InvalidDataException($"{file} of {source} has no '{key}' to remove");
            }
        }

        foreach (var (key, value) in changes ?? [])
        {
            content[key] = value?.DeepClone();
        }

        File.WriteAllText(Path.Combine(directory, file), content.ToJsonString());
    }
}
