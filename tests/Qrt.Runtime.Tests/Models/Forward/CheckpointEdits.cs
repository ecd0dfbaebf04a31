using System.Buffers.Binary;
using Qrt.Runtime.Checkpoints;
using Qrt.Runtime.Synthesis;
using Qrt.Runtime.Tests.Reference;

namespace Qrt.Runtime.Tests.Models.Forward;

/// <summary>
/// Changes the values of a BF16 tensor in a written checkpoint in place (same dtype and shape, so the header and
/// every other tensor's bytes stay as they are), renames or drops tensors, and copies checkpoint directories.
/// </summary>
internal static class CheckpointEdits
{
    /// <summary>
    /// Rewrites the checkpoint in <paramref name="directory" /> as one model.safetensors holding each tensor under
    /// <paramref name="rename" />(its name), or leaving it out where that is null; the bytes are kept as they are.
    /// </summary>
    public static void Resave(string directory, Func<string, string?> rename)
    {
        var tensors = new List<(SafetensorsTensorInfo Info, byte[] Bytes)>();
        using (var checkpoint = SafetensorsCheckpoint.Open(directory))
        {
            foreach (var name in checkpoint.Names)
            {
                if (rename(name) is { } newName)
                {
                    var entry = checkpoint.Get(name);
                    tensors.Add((new SafetensorsTensorInfo(newName, entry.DType, entry.Shape), SafetensorsCheckpoint.Bytes(entry).ToArray()));
                }
            }
        }

        foreach (var file in Directory.GetFiles(directory, "model*.safetensors*"))
        {
            File.Delete(file);
        }

        var bytes = tensors.ToDictionary(tensor => tensor.Info.Name, tensor => tensor.Bytes, StringComparer.Ordinal);
        SafetensorsWriter.Write(
            Path.Combine(directory, SafetensorsCheckpoint.SingleFileName), [.. tensors.Select(tensor => tensor.Info)], info => bytes[info.Name]);
    }

    /// <summary>Replaces element i of <paramref name="tensorName"/> by change(i, old value), rounded to BF16.</summary>
    public static void Rewrite(string directory, string tensorName, Func<int, float, float> change)
    {
        string path;
        long offset;
        byte[] bytes;
        using (var checkpoint = SafetensorsCheckpoint.Open(directory))
        {
            var entry = checkpoint.Get(tensorName);
            if (entry.DType != SafetensorsDType.BF16)
            {
                throw new ArgumentException($"{tensorName} is {entry.DType}, not BF16", nameof(tensorName));
            }

            path = entry.File.Path;
            offset = entry.FileOffset;
            bytes = SafetensorsCheckpoint.Bytes(entry).ToArray();
        }

        for (var i = 0; i < bytes.Length / 2; i++)
        {
            var slot = bytes.AsSpan(2 * i, 2);
            var value = NumberFormats.Bf16ToFloat(BinaryPrimitives.ReadUInt16LittleEndian(slot));
            BinaryPrimitives.WriteUInt16LittleEndian(slot, NumberFormats.FloatToBf16(change(i, value)));
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Write);
        stream.Position = offset;
        stream.Write(bytes);
    }

    /// <summary>Multiplies every value of <paramref name="tensorName"/> by <paramref name="factor"/> (exact for powers of two).</summary>
    public static void Scale(string directory, string tensorName, float factor) =>
        Rewrite(directory, tensorName, (_, value) => value * factor);

    /// <summary>Copies the files of a checkpoint directory (no subdirectories) into a new directory.</summary>
    public static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
    }
}
