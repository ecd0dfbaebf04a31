using System.Text.Json;
using Qrt.Runtime.Text;
using Qrt.Runtime.Json;

namespace Qrt.Runtime.Checkpoints;

/// <summary>
/// model.safetensors.index.json: its "weight_map" sends each tensor name to the shard file holding it
/// ("metadata", e.g. total_size, is not needed to load and is not read).
/// </summary>
internal static class SafetensorsIndex
{
    /// <summary>The weight map in file order; shard names are plain file names in the index's directory.</summary>
    public static IReadOnlyList<(string Tensor, string Shard)> ReadWeightMap(string indexPath)
    {
        var root = JsonFile.ReadObject(indexPath);
        if (!root.TryGetProperty("weight_map", out var map) || map.ValueKind == JsonValueKind.Null)
        {
            throw new ModelFileException(indexPath, "'weight_map' is missing");
        }

        if (map.ValueKind != JsonValueKind.Object)
        {
            throw new ModelFileException(indexPath, $"'weight_map' must be an object of tensor name to shard file; found {map.ValueKind}");
        }

        var entries = new List<(string, string)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in map.EnumerateObject())
        {
            if (!seen.Add(entry.Name))
            {
                throw new ModelFileException(indexPath, $"'weight_map' names tensor '{entry.Name}' twice");
            }

            if (entry.Value.ValueKind != JsonValueKind.String)
            {
                throw new ModelFileException(indexPath, $"'weight_map.{entry.Name}' must be a shard file name; found {entry.Value.ValueKind}");
            }

            var shard = entry.Value.GetString()!;

            // A shard outside the model directory would let an index read any file on the machine.
            if (shard.Length == 0 || shard != Path.GetFileName(shard) || shard is "." or ".." || shard.Contains('/', StringComparison.Ordinal) || shard.Contains('\\', StringComparison.Ordinal))
            {
                throw new ModelFileException(indexPath, $"'weight_map.{entry.Name}' must be a file name in the model directory; found '{shard}'");
            }

            entries.Add((entry.Name, shard));
        }

        return entries;
    }
}
