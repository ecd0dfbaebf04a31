using System.Globalization;

namespace Qrt.Runtime.Models.Loading;

/// <summary>
/// compressed-tensors stores the unpacked shape of a pack-quantized weight in <c>weight_shape</c>; the packed
/// tensor alone cannot say how many input columns the last word holds, so it must agree with the config.
/// </summary>
internal static class PackedWeightShape
{
    /// <summary>Throws <see cref="ModelFileException"/> unless <c>{name}.weight_shape</c> is [out, in].</summary>
    public static void Check(CheckpointWeights weights, string name, long outFeatures, long inFeatures)
    {
        var entry = weights.Entry($"{name}.weight_shape");
        var shape = CheckpointWeights.ReadInt64s(entry);
        if (shape.Length != 2 || shape[0] != outFeatures || shape[1] != inFeatures)
        {
            throw new ModelFileException(
                entry.File.Path,
                string.Create(CultureInfo.InvariantCulture, $"tensor '{entry.Name}' says the weight is [{string.Join(", ", shape)}], but config.json gives [{outFeatures}, {inFeatures}]"));
        }
    }
}
