using System.Collections.Concurrent;
using System.Security.Cryptography;
using Qrt.Runtime.Synthesis;
using Qrt.Runtime.Synthesis.Tokenizers;

namespace Qrt.Runtime.Tests.Text.Tokenizers;

/// <summary>
/// The synth tokenizers of the goldens, written again in-process exactly as <c>qrt synth</c> writes them (the
/// same vocabulary builder and file writer), so their files need not be committed. Each name in the golden
/// manifest carries the architecture and size it was made with.
/// </summary>
internal static class SynthTokenizers
{
    private static readonly ConcurrentDictionary<string, Lazy<string>> Written = new();

    /// <summary>The file names whose hashes the manifest records.</summary>
    public static IReadOnlyList<string> FileNames { get; } = ["tokenizer.json", "tokenizer_config.json"];

    /// <summary>The directory holding synth tokenizer <paramref name="name" />'s files, written on first use.</summary>
    public static string Directory(string name) =>
        Written.GetOrAdd(name, key => new Lazy<string>(() => Write(key), LazyThreadSafetyMode.ExecutionAndPublication)).Value;

    /// <summary>The architecture and size the manifest says synth tokenizer <paramref name="name" /> was made with.</summary>
    public static (SyntheticArchitecture Architecture, SyntheticSize Size) MadeWith(string name)
    {
        var entry = TokenizerGoldens.Manifest.GetProperty("tokenizers").GetProperty(name);
        return Parse(entry.GetProperty("architecture").GetString()!, entry.GetProperty("size").GetString()!);
    }

    /// <summary>"mixtral" and "small" as the enums they name.</summary>
    public static (SyntheticArchitecture Architecture, SyntheticSize Size) Parse(string architecture, string size) =>
        SyntheticNames.TryParse(architecture, out SyntheticArchitecture parsedArchitecture) && SyntheticNames.TryParse(size, out SyntheticSize parsedSize)
            ? (parsedArchitecture, parsedSize)
            : throw new InvalidDataException($"'{architecture} {size}' is not an architecture and a size of qrt synth");

    /// <summary>The SHA-256 (lower-case hex) of <paramref name="file" /> in <paramref name="directory" />.</summary>
    public static string Sha256(string directory, string file) =>
        Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(directory, file))));

    private static string Write(string name)
    {
        var (architecture, size) = MadeWith(name);
        var directory = GeneratedTokenizerFiles.NewDirectory(name);
        TokenizerFilesWriter.Write(directory, SyntheticCheckpoint.Vocabulary(architecture, ModelDimensions.For(architecture, size).VocabSize));
        return directory;
    }
}
