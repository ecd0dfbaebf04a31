namespace Qrt.Runtime.Layers.Grouped;

/// <summary>Makes the grouped form of one projection of every expert, by the experts' layer type.</summary>
internal static class GroupedLinears
{
    /// <summary>
    /// Stacks <paramref name="experts"/> (one layer type, one scheme, equal shapes) into one grouped layer; the
    /// experts themselves are left as they are, for the caller to dispose.
    /// </summary>
    public static IGroupedLinear Stack(IReadOnlyList<ILinear> experts)
    {
        ArgumentNullException.ThrowIfNull(experts);
        if (experts.Count == 0)
        {
            throw new ArgumentException("a mixture needs at least one expert", nameof(experts));
        }

        return experts[0] switch
        {
            DenseLinear => GroupedDenseLinear.Stack(All<DenseLinear>(experts)),
            Int8Linear => GroupedInt8Linear.Stack(All<Int8Linear>(experts)),
            Fp8Linear => GroupedFp8Linear.Stack(All<Fp8Linear>(experts)),
            Fp8WeightOnlyLinear => GroupedFp8Linear.Stack(All<Fp8WeightOnlyLinear>(experts)),
            PackedIntLinear => GroupedPackedIntLinear.Stack(All<PackedIntLinear>(experts)),
            var other => throw new NotSupportedException($"experts of scheme {other.Scheme} ({other.GetType().Name}) have no grouped kernel"),
        };
    }

    private static List<T> All<T>(IReadOnlyList<ILinear> experts)
        where T : ILinear =>
        experts.Select((expert, e) => expert is T typed
            ? typed
            : throw new InvalidOperationException($"expert {e} is {expert.Scheme} but expert 0 is {experts[0].Scheme}: the experts of a layer must share their scheme")).ToList();
}
