namespace Qrt.Runtime.Checkpoints;

/// <summary>Shape arithmetic and formatting shared by the checkpoint readers.</summary>
internal static class TensorShapes
{
    /// <summary>"[4096, 1024]"; "[]" for a scalar.</summary>
    public static string Describe(IEnumerable<long> shape) => $"[{string.Join(", ", shape)}]";

    /// <summary>The product of the dimensions, or null when it does not fit in 64 bits.</summary>
    public static long? TryElementCount(IReadOnlyList<long> shape)
    {
        long count = 1;
        foreach (var dimension in shape)
        {
            try
            {
                count = checked(count * dimension);
            }
            catch (OverflowException)
            {
                return null;
            }
        }

        return count;
    }

    public static bool SameShape(IReadOnlyList<long> left, IReadOnlyList<long> right) =>
        left.Count == right.Count && left.SequenceEqual(right);
}
