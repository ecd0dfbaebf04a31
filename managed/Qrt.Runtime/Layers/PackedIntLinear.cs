using System.Globalization;

namespace Qrt.Runtime.Layers;

/// <summary>A weight-only integer layer (W4A16 / W8A16) in the compressed-tensors pack-quantized layout.</summary>
public sealed class PackedIntLinear : ILinear
{
    private readonly PackedIntWeight _weight;
    private readonly long _inFeatures;
    private readonly QrtTensor? _bias;
    private readonly bool _activationOrdered;

    /// <summary>
    /// A layer over the weight as given: with a GroupIndex the kernel looks up the group of each input column.
    /// <see cref="Create"/> makes the faster form of an activation-ordered weight.
    /// </summary>
    public PackedIntLinear(PackedIntWeight weight, long inFeatures, QrtTensor? bias = null)
        : this(weight, inFeatures, bias, columnOrder: null, activationOrdered: weight?.GroupIndex is not null)
    {
    }

    private PackedIntLinear(PackedIntWeight? weight, long inFeatures, QrtTensor? bias, QrtTensor? columnOrder, bool activationOrdered)
    {
        ArgumentNullException.ThrowIfNull(weight);
        _weight = weight;
        _inFeatures = inFeatures;
        _bias = bias;
        ColumnOrder = columnOrder;
        _activationOrdered = activationOrdered;
    }

    /// <inheritdoc />
    public long InFeatures => _inFeatures;

    /// <inheritdoc />
    public long OutFeatures => _weight.OutFeatures;

    /// <inheritdoc />
    public string Scheme => string.Create(
        CultureInfo.InvariantCulture,
        $"W{_weight.Bits}A16 {(_weight.GroupSize == 0 ? "channel" : $"g{_weight.GroupSize}")}{(_weight.ZeroPoint is null ? string.Empty : " asym")}{(_activationOrdered ? " act-order" : string.Empty)}");

    /// <summary>
    /// I32 [K]: the input columns in the order of the weight's columns, gathered before each GEMM; null when the
    /// weight's columns are in input order (or carry their own group index).
    /// </summary>
    internal QrtTensor? ColumnOrder { get; }

    /// <summary>
    /// A layer over <paramref name="weight"/>, which it owns from here on. An activation-ordered weight on the
    /// CPU whose groups each hold GroupSize columns has its columns sorted by group once, here (see
    /// <see cref="ActivationOrder"/>): its packed words and group index are replaced and disposed, and each
    /// forward pass gathers the input columns into the same order, so that the GEMM reads a plain grouped
    /// weight. Any other weight is used as given.
    /// </summary>
    public static PackedIntLinear Create(PackedIntWeight weight, long inFeatures, QrtTensor? bias = null)
    {
        ArgumentNullException.ThrowIfNull(weight);
        // The column gather has a CPU kernel only so far; elsewhere the GEMM reads the group index itself.
        var sorted = weight.Packed.Device == Device.Cpu ? ActivationOrder.SortColumnsByGroup(weight, inFeatures) : null;
        if (sorted is null)
        {
            return new PackedIntLinear(weight, inFeatures, bias);
        }

        QrtTensor? columnOrder = null;
        try
        {
            // Groups already in column order (a group index of k / GroupSize) leave nothing to gather.
            if (!IsIdentity(sorted.Order))
            {
                columnOrder = QrtTensor.FromData<int>(sorted.Order, DType.I32, [sorted.Order.Length], weight.Packed.Device);
            }
        }
        catch
        {
            sorted.Weight.Packed.Dispose();
            throw;
        }

        weight.Packed.Dispose();
        weight.GroupIndex?.Dispose();
        return new PackedIntLinear(sorted.Weight, inFeatures, bias, columnOrder, activationOrdered: true);
    }

    /// <inheritdoc />
    public void Forward(QrtStream stream, QrtTensor x, QrtTensor y)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (ColumnOrder is null)
        {
            Ops.GemmWna16(stream, x, _weight, _bias, y);
            return;
        }

        var ordered = stream.Scratch.Rent(ScratchSlot.GatheredActivations, x.DType, x.Shape);
        Ops.GatherColumns(stream, x, ColumnOrder, ordered);
        Ops.GemmWna16(stream, ordered, _weight, _bias, y);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _weight.Dispose();
        _bias?.Dispose();
        ColumnOrder?.Dispose();
    }

    private static bool IsIdentity(int[] order)
    {
        for (var i = 0; i < order.Length; i++)
        {
            if (order[i] != i)
            {
                return false;
            }
        }

        return true;
    }
}
