using System.Collections.Concurrent;
using System.Security.Cryptography;
using Qrt.Runtime.Synthesis;

namespace Qrt.Runtime.Tests.Goldens;

/// <summary>
/// The synth checkpoints the goldens were made from, rebuilt once per test run with the manifest's options into one
/// temporary folder (deleted when the run ends), and checked file by file against the manifest's SHA-256: a golden
/// only says something about the very checkpoint it was computed on.
/// </summary>
[SetUpFixture]
internal sealed class GoldenCheckpoints
{
    private static readonly string Folder = Path.Combine(Path.GetTempPath(), "qrt-goldens-" + Guid.NewGuid().ToString("N"));
    private static readonly ConcurrentDictionary<string, Lazy<string>> Written = new(StringComparer.Ordinal);

    /// <summary>The directory holding <paramref name="golden" />'s checkpoint, written on first use.</summary>
    public static string For(ModelGolden golden) =>
        Written.GetOrAdd(golden.Name, name => new Lazy<string>(() => Write(golden), LazyThreadSafetyMode.ExecutionAndPublication)).Value;

    /// <summary>The files of the rebuilt checkpoint whose SHA-256 differs from the manifest's (or that one side lacks).</summary>
    public static IReadOnlyList<string> Mismatches(ModelGolden golden)
    {
        var directory = For(golden);
        var expected = golden.Manifest.GetProperty("checkpoint_sha256").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal);
        var actual = System.IO.Directory.EnumerateFiles(directory).ToDictionary(path => Path.GetFileName(path), Sha256, StringComparer.Ordinal);
        return expected.Keys.Union(actual.Keys, StringComparer.Ordinal)
            .Where(file => !expected.TryGetValue(file, out var hash) || !actual.TryGetValue(file, out var found) || hash != found)
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    [OneTimeTearDown]
    public void DeleteAll()
    {
        if (System.IO.Directory.Exists(Folder))
        {
            System.IO.Directory.Delete(Folder, recursive: true);
        }
    }

    private static string Write(ModelGolden golden)
    {
        var directory = Path.Combine(Folder, golden.Name);
        var (architecture, scheme, size, seed, shards) = golden.Options;
        SyntheticCheckpoint.Write(new SyntheticCheckpointOptions
        {
            Architecture = architecture,
            Scheme = scheme,
            Size = size,
            Seed = seed,
            Shards = shards,
            OutputDirectory = directory,
        });
        return directory;
    }

    private static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
