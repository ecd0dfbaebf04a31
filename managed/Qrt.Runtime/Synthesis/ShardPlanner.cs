using System.Globalization;

namespace Qrt.Runtime.Synthesis;

/// <summary>Splits the name-ordered tensors into consecutive shards of about equal size, named as transformers names them.</summary>
internal static class ShardPlanner
{
    /// <summary>"model-00001-of-00003.safetensors".</summary>
    public static string ShardName(int index, int count) =>
        string.Create(CultureInfo.InvariantCulture, $"model-{index + 1:00000}-of-{count:00000}.safetensors");

    /// <summary><paramref name="shards" /> non-empty runs of <paramref name="tensors" />, each about total / shards bytes.</summary>
    public static IReadOnlyList<IReadOnlyList<PlannedTensor>> Split(IReadOnlyList<PlannedTensor> tensors, int shards)
    {
        if (shards < 1 || shards > tensors.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(shards), shards, $"must be between 1 and the number of tensors ({tensors.Count})");
        }

        var total = tensors.Sum(tensor => tensor.ByteLength);
        var result = new List<IReadOnlyList<PlannedTensor>>();
        var current = new List<PlannedTensor>();
        long written = 0;
        for (var i = 0; i < tensors.Count; i++)
        {
            current.Add(tensors[i]);
            written += tensors[i].ByteLength;
            var shardsLeft = shards - result.Count - 1;
            var tensorsLeft = tensors.Count - i - 1;

            // Close the shard once it reaches its share, or when the rest is just enough to give each later shard one tensor.
            if (shardsLeft > 0 && (written * shards >= total * (result.Count + 1) || tensorsLeft == shardsLeft))
            {
                result.Add(current);
                current = [];
            }
        }

        result.Add(current);
        return result;
    }
}
