using System.Text.Json;
using Qrt.Runtime.Tests.Bindings;

namespace Qrt.Runtime.Tests.Vision.Images;

/// <summary>
/// The committed goldens of tests/goldens/resize: source images and Pillow's BICUBIC resize of each to a list of sizes,
/// written by tests/reference/resize_goldens.py in the reference root. Reading them needs no Python.
/// </summary>
internal static class ResizeGoldens
{
    /// <summary>One resize: the source's PNG and size, the target size and the PNG of Pillow's result.</summary>
    internal sealed record Case(string SourceName, string SourcePath, int SourceWidth, int SourceHeight, int Width, int Height, string ResultPath)
    {
        public override string ToString() => $"{SourceName} to {Width}x{Height}";
    }

    public static string Directory => Path.Combine(BindingsTestSupport.RepositoryRoot, "tests", "goldens", "resize");

    /// <summary>Every case of manifest.json, in its order.</summary>
    public static IReadOnlyList<Case> Cases()
    {
        using var manifest = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Directory, "manifest.json")));
        var sources = manifest.RootElement.GetProperty("sources").EnumerateArray()
            .ToDictionary(source => source.GetProperty("name").GetString()!, source => source.Clone());
        return manifest.RootElement.GetProperty("cases").EnumerateArray()
            .Select(entry =>
            {
                var name = entry.GetProperty("source").GetString()!;
                var source = sources[name];
                return new Case(
                    name,
                    Path.Combine(Directory, source.GetProperty("file").GetString()!),
                    source.GetProperty("width").GetInt32(),
                    source.GetProperty("height").GetInt32(),
                    entry.GetProperty("width").GetInt32(),
                    entry.GetProperty("height").GetInt32(),
                    Path.Combine(Directory, entry.GetProperty("file").GetString()!));
            })
            .ToList();
    }
}
