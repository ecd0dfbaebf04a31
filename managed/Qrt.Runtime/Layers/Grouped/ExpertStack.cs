using System.Globalization;

namespace Qrt.Runtime.Layers.Grouped;

/// <summary>Stacks the experts' tensors of one role (weights, scales, biases) into one device tensor [E, ...].</summary>
internal static class ExpertStack
{
    /// <summary>
    /// A new contiguous tensor [E, <paramref name="itemShape"/>...] holding <paramref name="parts"/>[e] (each contiguous, of
    /// the same dtype and element count) at index e, copied on their device.
    /// </summary>
    public static QrtTensor Of(IReadOnlyList<QrtTensor> parts, ReadOnlySpan<long> itemShape, string role)
    {
        var first = parts[0];
        long[] shape = [parts.Count, .. itemShape];
        var stacked = QrtTensor.Empty(first.DType, shape, first.Device);
        try
        {
            for (var e = 0; e < parts.Count; e++)
            {
                var part = parts[e];
                if (part.DType != first.DType || part.ElementCount != first.ElementCount)
                {
                    throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                        $"expert {e}'s {role} is {part}, but expert 0's is {first}: the experts of a layer must share their shapes and scheme"));
                }

                using var slot = stacked.Slice(0, e, 1);
                Transfer.Copy(part, slot);
            }

            return stacked;
        }
        catch
        {
            stacked.Dispose();
            throw;
        }
    }

    /// <summary>As <see cref="Of"/> for optional parts: null when every expert lacks it, an error when only some do.</summary>
    public static QrtTensor? OfOptional(IReadOnlyList<QrtTensor?> parts, ReadOnlySpan<long> itemShape, string role)
    {
        var present = parts.Count(part => part is not null);
        if (present == 0)
        {
            return null;
        }

        if (present != parts.Count)
        {
            throw new InvalidOperationException($"only some experts have a {role}: the experts of a layer must share their scheme");
        }

        return Of(parts.Select(part => part!).ToList(), itemShape, role);
    }

    /// <summary>The item shape of a scale: [] (one value per expert) for a per-tensor scale, [N] per channel.</summary>
    public static long[] ScaleShape(QrtTensor scale) => scale.ElementCount == 1 ? [] : [scale.ElementCount];
}
