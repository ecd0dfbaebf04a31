using System.Diagnostics.CodeAnalysis;

namespace Qrt.Runtime.Checkpoints;

/// <summary>
/// The weights of a model directory: one model.safetensors, or shards listed by
/// model.safetensors.index.json. Every shard the index names must exist and hold exactly the tensors the
/// index maps to it, so each tensor name has one home. Disposing closes every file; spans read from the
/// tensors are valid until then.
/// </summary>
public sealed class SafetensorsCheckpoint : IDisposable
{
    /// <summary>The single-file checkpoint's name.</summary>
    public const string SingleFileName = "model.safetensors";

    /// <summary>The sharded checkpoint's index.</summary>
    public const string IndexFileName = "model.safetensors.index.json";

    private readonly IReadOnlyList<SafetensorsFile> _files;
    private readonly Dictionary<string, TensorEntry> _tensors;

    private SafetensorsCheckpoint(string origin, IReadOnlyList<SafetensorsFile> files, Dictionary<string, TensorEntry> tensors)
    {
        Origin = origin;
        _files = files;
        _tensors = tensors;
        Names = tensors.Keys.Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>The file that describes the checkpoint: the index when sharded, else model.safetensors.</summary>
    public string Origin { get; }

    /// <summary>The open files (one, or the shards in the order the index first names them).</summary>
    public IReadOnlyList<SafetensorsFile> Files => _files;

    /// <summary>Every tensor name, in ordinal order.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>Every tensor by name.</summary>
    public IReadOnlyDictionary<string, TensorEntry> Tensors => _tensors;

    /// <summary>Total size of the tensors' bytes.</summary>
    public long TotalTensorBytes => _tensors.Values.Sum(entry => entry.ByteLength);

    /// <summary>
    /// Opens the checkpoint of <paramref name="directory" />: model.safetensors.index.json and its shards when
    /// the index exists, else model.safetensors. A missing, malformed or inconsistent file is a
    /// <see cref="ModelFileException" /> naming it.
    /// </summary>
    public static SafetensorsCheckpoint Open(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var indexPath = Path.Combine(directory, IndexFileName);
        if (File.Exists(indexPath))
        {
            return OpenSharded(directory, indexPath);
        }

        var singlePath = Path.Combine(directory, SingleFileName);
        if (!File.Exists(singlePath))
        {
            throw new ModelFileException(directory, $"holds neither {SingleFileName} nor {IndexFileName}");
        }

        var file = SafetensorsFile.Open(singlePath);
        return new SafetensorsCheckpoint(singlePath, [file], new Dictionary<string, TensorEntry>(file.TensorsByName, StringComparer.Ordinal));
    }

    /// <summary>The tensor named <paramref name="name" />; its absence is a <see cref="ModelFileException" />.</summary>
    public TensorEntry Get(string name) =>
        TryGet(name, out var entry) ? entry : throw new ModelFileException(Origin, $"has no tensor '{name}'");

    /// <summary>The tensor named <paramref name="name" />, or false.</summary>
    public bool TryGet(string name, [NotNullWhen(true)] out TensorEntry? entry) => _tensors.TryGetValue(name, out entry);

    /// <summary>Whether the checkpoint holds <paramref name="name" />.</summary>
    public bool Contains(string name) => _tensors.ContainsKey(name);

    /// <summary>The bytes of <paramref name="entry" /> from the file holding it.</summary>
    public static ReadOnlySpan<byte> Bytes(TensorEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return entry.File.Bytes(entry);
    }

    /// <summary>
    /// Checks the checkpoint holds exactly the tensors of <paramref name="expected" />, each with an accepted
    /// dtype and shape. Tensors for which <paramref name="ignore" /> returns true (buffers some exporters
    /// save, such as rotary inv_freq) may be present without being expected. Every problem is reported in one
    /// <see cref="ModelFileException" />: the missing and the unexpected tensors (the first
    /// <paramref name="listLimit" /> of each, in ordinal order, with their counts), and the tensors whose
    /// dtype or shape differ, with what was expected and what was found.
    /// </summary>
    public void RequireExactly(IReadOnlyDictionary<string, TensorExpectation> expected, Func<string, bool>? ignore = null, int listLimit = 10)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(listLimit);
        var report = CheckpointMismatchReport.Build(this, expected, ignore, listLimit);
        if (report is not null)
        {
            throw new ModelFileException(Origin, report);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var file in _files)
        {
            file.Dispose();
        }
    }

    private static SafetensorsCheckpoint OpenSharded(string directory, string indexPath)
    {
        var weightMap = SafetensorsIndex.ReadWeightMap(indexPath);
        var byShard = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var shardOrder = new List<string>();
        foreach (var (tensor, shard) in weightMap)
        {
            if (!byShard.TryGetValue(shard, out var names))
            {
                byShard[shard] = names = [];
                shardOrder.Add(shard);
            }

            names.Add(tensor);
        }

        foreach (var shard in shardOrder)
        {
            if (!File.Exists(Path.Combine(directory, shard)))
            {
                var names = byShard[shard];
                var others = names.Count > 1 ? $" and {names.Count - 1} other tensors" : string.Empty;
                throw new ModelFileException(indexPath, $"'weight_map' sends '{names[0]}'{others} to shard '{shard}', which does not exist in {directory}");
            }
        }

        var mapped = weightMap.ToDictionary(pair => pair.Tensor, pair => pair.Shard, StringComparer.Ordinal);
        var files = new List<SafetensorsFile>();
        try
        {
            var tensors = new Dictionary<string, TensorEntry>(StringComparer.Ordinal);
            foreach (var shard in shardOrder)
            {
                var file = SafetensorsFile.Open(Path.Combine(directory, shard));
                files.Add(file);
                RequireShardMatchesIndex(indexPath, shard, file, byShard[shard], mapped);
                foreach (var entry in file.Tensors)
                {
                    tensors.Add(entry.Name, entry);
                }
            }

            return new SafetensorsCheckpoint(indexPath, files, tensors);
        }
        catch
        {
            foreach (var file in files)
            {
                file.Dispose();
            }

            throw;
        }
    }

    private static void RequireShardMatchesIndex(string indexPath, string shard, SafetensorsFile file, List<string> mappedHere, Dictionary<string, string> mapped)
    {
        foreach (var name in mappedHere)
        {
            if (!file.TensorsByName.ContainsKey(name))
            {
                throw new ModelFileException(indexPath, $"'weight_map' sends tensor '{name}' to shard '{shard}', but {file.Path} does not hold it");
            }
        }

        foreach (var entry in file.Tensors)
        {
            if (!mapped.TryGetValue(entry.Name, out var home))
            {
                throw new ModelFileException(indexPath, $"shard {file.Path} holds tensor '{entry.Name}', which 'weight_map' does not list");
            }

            if (home != shard)
            {
                throw new ModelFileException(indexPath, $"shard {file.Path} holds tensor '{entry.Name}', which 'weight_map' sends to shard '{home}'");
            }
        }
    }
}
