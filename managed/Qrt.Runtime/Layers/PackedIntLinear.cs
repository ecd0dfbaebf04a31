using System.Globalization;

namespace Qrt.Runtime.Layers;

/// <summary>A weight-only integer layer (W4A16 / W8A16) in the compressed-tensors pack-quantized layout.</summary>
public sealed class PackedIntLinear : ILinear
{
    private readonly PackedIntWeight? _weight;
    private readonly RepackedInt4Weight? _repacked;
    private readonly long _inFeatures;
    private readonly QrtTensor? _bias;
    private readonly QrtTensor? _paddedBias;
    private readonly bool _activationOrdered;
    private readonly int _bits;
    private readonly long _groupSize;
    private readonly bool _asymmetric;

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
        _bits = weight.Bits;
        _groupSize = weight.GroupSize;
        _asymmetric = weight.ZeroPoint is not null;
        OutFeatures = weight.OutFeatures;
    }

    private PackedIntLinear(RepackedInt4Weight repacked, long inFeatures, QrtTensor? bias, QrtTensor? columnOrder, bool activationOrdered)
    {
        _repacked = repacked;
        _inFeatures = inFeatures;
        _bias = bias;
        if (repacked.IsPadded && bias is not null)
        {
            _paddedBias = QrtTensor.Zeros(bias.DType, [repacked.PaddedOutFeatures], bias.Device);
            using var head = _paddedBias.Slice(0, 0, bias.Size(0));
            Transfer.Copy(bias, head);
        }

        ColumnOrder = columnOrder;
        _activationOrdered = activationOrdered;
        _bits = 4;
        _groupSize = repacked.GroupSize;
        _asymmetric = repacked.ZeroPoint is not null;
        OutFeatures = repacked.OutFeatures;
    }

    /// <inheritdoc />
    public long InFeatures => _inFeatures;

    /// <summary>The weight in the repacked tensor-core layout (on a CUDA device), or null.</summary>
    internal RepackedInt4Weight? Repacked => _repacked;

    /// <summary>The bias [N], or null.</summary>
    internal QrtTensor? Bias => _bias;

    /// <summary>The bias the repacked kernel adds: widened with zeros to its padded N, or null.</summary>
    internal QrtTensor? KernelBias => _paddedBias ?? _bias;

    /// <inheritdoc />
    public long OutFeatures { get; }

    /// <inheritdoc />
    public string Scheme => string.Create(
        CultureInfo.InvariantCulture,
        $"W{_bits}A16 {(_groupSize == 0 ? "channel" : $"g{_groupSize}")}{(_asymmetric ? " asym" : string.Empty)}{(_activationOrdered ? " act-order" : string.Empty)}");

    /// <summary>
    /// I32 [K]: the input columns in the order of the weight's columns, gathered before each GEMM; null when the
    /// weight's columns are in input order (or carry their own group index).
    /// </summary>
    internal QrtTensor? ColumnOrder { get; }

    /// <summary>
    /// A layer over <paramref name="weight"/>, which it owns from here on. An activation-ordered weight whose groups
    /// each hold GroupSize columns has its columns sorted by group once, here (see <see cref="ActivationOrder"/>),
    /// and each forward pass gathers the input columns into the same order, so that the GEMM reads a plain grouped
    /// weight. On a CUDA device the 4-bit weight is then repacked into the tensor-core layout of the W4A16 kernel
    /// and the checkpoint's words are freed; there a weight the kernel cannot take (8-bit, or activation-ordered with
    /// uneven groups) is refused. Any other CPU weight is used as given.
    /// </summary>
    public static PackedIntLinear Create(PackedIntWeight weight, long inFeatures, QrtTensor? bias = null)
    {
        ArgumentNullException.ThrowIfNull(weight);
        var onCuda = weight.Packed.Device.Backend == Backend.Cuda;
        if (onCuda && weight.Bits != 4)
        {
            throw new NotSupportedException(
                $"a {weight.Bits}-bit integer weight on {weight.Packed.Device}: the CUDA backend runs 4-bit weights (W4A16) only; keep this layer on the CPU");
        }

        var sorted = ActivationOrder.SortColumnsByGroup(weight, inFeatures);
        if (onCuda && sorted is null && weight.GroupIndex is not null)
        {
            throw new NotSupportedException(
                $"an activation-ordered weight on {weight.Packed.Device} whose groups do not each hold {weight.GroupSize} columns: the CUDA W4A16 kernel needs them sorted into equal groups");
        }

        var plain = sorted?.Weight ?? weight;
        var activationOrdered = weight.GroupIndex is not null;
        QrtTensor? columnOrder = null;
        try
        {
            // Groups already in column order (a group index of k / GroupSize) leave nothing to gather.
            if (sorted is not null && !IsIdentity(sorted.Order))
            {
                columnOrder = QrtTensor.FromData<int>(sorted.Order, DType.I32, [sorted.Order.Length], weight.Packed.Device);
            }

            if (onCuda)
            {
                var repacked = RepackedInt4Weight.Repack(plain, inFeatures);
                plain.Packed.Dispose();
                if (sorted is not null)
                {
                    weight.Packed.Dispose();
                }

                weight.Scale.Dispose();
                weight.ZeroPoint?.Dispose();
                weight.GroupIndex?.Dispose();
                return new PackedIntLinear(repacked, inFeatures, bias, columnOrder, activationOrdered);
            }
        }
        catch
        {
            columnOrder?.Dispose();
            if (sorted is not null)
            {
                sorted.Weight.Packed.Dispose();
            }

            throw;
        }

        if (sorted is null)
        {
            return new PackedIntLinear(weight, inFeatures, bias);
        }

        weight.Packed.Dispose();
        weight.GroupIndex?.Dispose();
        return new PackedIntLinear(sorted.Weight, inFeatures, bias, columnOrder, activationOrdered: true);
    }

    /// <inheritdoc />
    public void Forward(QrtStream stream, QrtTensor x, QrtTensor y)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(x);
        var input = x;
        if (ColumnOrder is not null)
        {
            input = stream.Scratch.Rent(ScratchSlot.GatheredActivations, x.DType, x.Shape);
            Ops.GatherColumns(stream, x, ColumnOrder, input);
        }

        if (_repacked is null)
        {
            Ops.GemmWna16(stream, input, _weight!, _bias, y);
            return;
        }

        var rows = x.Size(-1) == 0 ? 0 : x.ElementCount / x.Size(-1);
        var features = _repacked.PaddedOutFeatures;
        var workspaceBytes = Ops.GemmWna16RepackedWorkspaceSize(stream.Device, rows, features, _inFeatures);
        var workspace = workspaceBytes == 0 ? null : stream.Scratch.Rent(ScratchSlot.GemmWorkspace, DType.U8, [workspaceBytes], zeroed: true);
        if (!_repacked.IsPadded)
        {
            Ops.GemmWna16Repacked(stream, input, _repacked.Weight, _repacked.Scale, _repacked.ZeroPoint, _repacked.GroupSize, _bias, workspace, y);
            return;
        }

        // The kernel writes whole 64-feature tiles: compute the padded rows in scratch and keep the first N columns.
        var wide = stream.Scratch.Rent(ScratchSlot.PaddedOutput, y.DType, [rows, features]);
        Ops.GemmWna16Repacked(stream, input, _repacked.Weight, _repacked.Scale, _repacked.ZeroPoint, _repacked.GroupSize, _paddedBias, workspace, wide);
        using var kept = wide.Slice(1, 0, OutFeatures);
        using var target = y.Reshape([rows, OutFeatures]);
        Ops.Copy(stream, kept, target);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _weight?.Dispose();
        _repacked?.Dispose();
        _bias?.Dispose();
        _paddedBias?.Dispose();
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
