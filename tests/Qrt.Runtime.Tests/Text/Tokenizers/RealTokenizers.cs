using System.Collections.Concurrent;
using Qrt.Runtime.Tests.Support;
using Qrt.Runtime.Text;

namespace Qrt.Runtime.Tests.Text.Tokenizers;

/// <summary>
/// The three real tokenizers shipped in the reference packages, one per kind Qrt must handle, each loaded once.
/// </summary>
internal static class RealTokenizers
{
    /// <summary>Qwen3: byte-level BPE, NFC normalizer, regex pre-tokenizer with single digits.</summary>
    public const string Qwen3 = "qwen3";

    /// <summary>Llama 2: SentencePiece-style BPE with the ▁ normalizer and byte fallback.</summary>
    public const string Llama2 = "llama2";

    /// <summary>Llama 3: byte-level BPE with ignore_merges (tiktoken semantics), digits in groups of three.</summary>
    public const string Llama3 = "llama3";

    private static readonly ConcurrentDictionary<string, Lazy<Tokenizer>> Loaded = new();

    /// <summary>The names, in the order test cases are generated.</summary>
    public static IReadOnlyList<string> Names { get; } = [Qwen3, Llama2, Llama3];

    /// <summary>The directory holding <paramref name="name" />'s tokenizer.json (skips the test without node/npm).</summary>
    public static string Directory(string name) => JsReference.TokenizerDirectory(name);

    /// <summary>The Qrt tokenizer loaded from <paramref name="name" />'s directory, as transformers loads it.</summary>
    public static Tokenizer Load(string name)
    {
        var directory = Directory(name);
        return Loaded.GetOrAdd(name, _ => new Lazy<Tokenizer>(() => Tokenizer.Load(directory))).Value;
    }

    /// <summary>
    /// The Qrt tokenizer of <paramref name="name" />'s tokenizer.json alone, read as written (as the tokenizers
    /// library and its JavaScript port read it), without what transformers' tokenizer classes change.
    /// </summary>
    public static Tokenizer LoadAsWritten(string name)
    {
        var path = Path.Combine(Directory(name), "tokenizer.json");
        return Loaded.GetOrAdd(name + " as written", _ => new Lazy<Tokenizer>(() => Tokenizer.FromFiles(path))).Value;
    }

    /// <summary>Every tokenizer paired with every corpus entry, for parameterized tests named Method(tokenizer, entry).</summary>
    public static IEnumerable<TestCaseData> WithCorpus() =>
        from name in Names
        from entry in TokenizerCorpus.Entries
        select Case(name, entry);

    /// <summary>A test case for <paramref name="name" /> and <paramref name="entry" />, named Method(tokenizer, entry).</summary>
    public static TestCaseData Case(string name, CorpusEntry entry) =>
        new TestCaseData(name, entry).SetName($"{{m}}({name}, {entry.Name})");
}
