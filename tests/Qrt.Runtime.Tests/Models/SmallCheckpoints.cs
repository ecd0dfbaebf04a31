using Qrt.Runtime.Synthesis;
using Qrt.Runtime.Tests.Checkpoints;

namespace Qrt.Runtime.Tests.Models;

/// <summary>Small synthetic checkpoints written on demand under one temporary directory, reused within a fixture.</summary>
internal sealed class SmallCheckpoints : IDisposable
{
    private readonly TemporaryDirectory _root = new();
    private readonly Dictionary<(SyntheticArchitecture, SyntheticScheme), string> _written = [];
    private readonly Lock _gate = new();

    /// <summary>The directory of a <see cref="SmallModels"/> checkpoint of <paramref name="architecture"/> in <paramref name="scheme"/>.</summary>
    public string For(SyntheticArchitecture architecture, SyntheticScheme scheme)
    {
        lock (_gate)
        {
            if (!_written.TryGetValue((architecture, scheme), out var directory))
            {
                directory = Path.Combine(_root.Path, $"{architecture}-{scheme}");
                Write(architecture, scheme, directory);
                _written[(architecture, scheme)] = directory;
            }

            return directory;
        }
    }

    /// <summary>A fresh copy of a checkpoint that a test may damage.</summary>
    public string Copy(SyntheticArchitecture architecture, SyntheticScheme scheme)
    {
        var source = For(architecture, scheme);
        var copy = Path.Combine(_root.Path, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(copy);
        foreach (var file in Directory.GetFiles(source))
        {
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        }

        return copy;
    }

    public void Dispose() => _root.Dispose();

    private static void Write(SyntheticArchitecture architecture, SyntheticScheme scheme, string directory) =>
        SyntheticCheckpoint.Write(new SyntheticCheckpointOptions
        {
            Architecture = architecture,
            Scheme = scheme,
            OutputDirectory = directory,
            Seed = 5,
            Dimensions = SmallModels.Dimensions(architecture),
        });
}
