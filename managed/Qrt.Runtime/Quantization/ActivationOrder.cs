namespace Qrt.Runtime;

/// <summary>
/// Turns an activation-ordered weight (GPTQ act-order: input column k belongs to group g_idx[k], and the groups
/// follow no order along k) into a plain grouped weight by moving its columns into group order once, at load.
/// The layer then gathers its input columns in the same order before the GEMM: y[n] = Σk x[k]·W[n][k] is a sum
/// over columns, so reordering x and W alike leaves every product in place, and the kernel no longer looks up
/// a group per column.
/// </summary>
internal static class ActivationOrder
{
    /// <summary>
    /// Sorts the columns of <paramref name="weight"/> by group, stably, when every group is a run of
    /// GroupSize columns once sorted (column i then belongs to group i / GroupSize, as a plain grouped weight
    /// has it: true of GPTQ act-order, which gives each group exactly GroupSize columns). Returns null when
    /// that does not hold — a checkpoint with uneven groups — or the weight has no group index; such a weight
    /// keeps its group index, which the kernel reads correctly.
    /// </summary>
    /// <param name="weight">A weight with a GroupIndex of <paramref name="inFeatures"/> elements.</param>
    /// <param name="inFeatures">The input columns K.</param>
    public static GroupOrderedWeight? SortColumnsByGroup(PackedIntWeight weight, long inFeatures)
    {
        ArgumentNullException.ThrowIfNull(weight);
        if (weight.GroupIndex is null || weight.GroupSize <= 0 || weight.GroupIndex.ElementCount != inFeatures)
        {
            return null;
        }

        var order = StableOrderByGroup(weight.GroupIndex.ToArray<int>(), weight.GroupSize);
        if (order is null)
        {
            return null;
        }

        var packed = PermuteColumns(weight.Packed, order, weight.Bits);
        return new GroupOrderedWeight(weight with { Packed = packed, GroupIndex = null }, order);
    }

    /// <summary>
    /// The columns listed group by group, in column order within a group (a counting sort, so stable), or null
    /// when a group is out of range or position i of the order does not hold a column of group i / groupSize.
    /// </summary>
    private static int[]? StableOrderByGroup(int[] groupOf, long groupSize)
    {
        var columns = groupOf.Length;
        var groups = (int)((columns + groupSize - 1) / groupSize);
        var next = new int[groups + 1];
        foreach (var group in groupOf)
        {
            if (group < 0 || group >= groups)
            {
                return null;
            }

            next[group + 1]++;
        }

        for (var group = 1; group <= groups; group++)
        {
            next[group] += next[group - 1];
        }

        var order = new int[columns];
        for (var column = 0; column < columns; column++)
        {
            order[next[groupOf[column]]++] = column;
        }

        for (var position = 0; position < columns; position++)
        {
            if (groupOf[order[position]] != position / groupSize)
            {
                return null;
            }
        }

        return order;
    }

    /// <summary>
    /// The packed words [N, ceil(K / (32 / bits))] with value i of each row taken from value order[i] of the
    /// same row. Stored values move as bit fields, unchanged; unused bits of a row's last word are zero.
    /// </summary>
    private static QrtTensor PermuteColumns(QrtTensor packed, int[] order, int bits)
    {
        var rows = checked((int)packed.Size(0));
        var wordsPerRow = checked((int)packed.Size(1));
        var valuesPerWord = 32 / bits;
        var mask = (1u << bits) - 1;
        // Where each new column's value sits in a row, worked out once for all rows.
        var sourceWord = new int[order.Length];
        var sourceShift = new int[order.Length];
        for (var i = 0; i < order.Length; i++)
        {
            sourceWord[i] = order[i] / valuesPerWord;
            sourceShift[i] = bits * (order[i] % valuesPerWord);
        }

        var source = packed.ToArray<int>();
        var target = new int[source.Length];
        Parallel.For(0, rows, row =>
        {
            var first = row * wordsPerRow;
            for (var word = 0; word < wordsPerRow; word++)
            {
                var packedWord = 0u;
                var end = Math.Min(order.Length, (word + 1) * valuesPerWord);
                for (int i = word * valuesPerWord, shift = 0; i < end; i++, shift += bits)
                {
                    packedWord |= (((uint)source[first + sourceWord[i]] >> sourceShift[i]) & mask) << shift;
                }

                target[first + word] = unchecked((int)packedWord);
            }
        });
        return QrtTensor.FromData<int>(target, DType.I32, packed.Shape, packed.Device);
    }
}

/// <summary>
/// A weight whose packed columns were sorted by group: input column <c>Order[i]</c> of the original is column i
/// of <see cref="Weight"/>, which has no group index. Weight shares Scale and ZeroPoint (per row and group, they
/// do not move) with the original and owns only its new Packed tensor.
/// </summary>
/// <param name="Weight">The plain grouped weight.</param>
/// <param name="Order">The original column of each new column: the input columns to gather, in this order.</param>
internal sealed record GroupOrderedWeight(PackedIntWeight Weight, int[] Order);
