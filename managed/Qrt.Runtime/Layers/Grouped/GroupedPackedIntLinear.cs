using Qrt.Runtime.Models.Loading;

namespace Qrt.Runtime.Layers.Grouped;

/// <summary>
/// W4A16 experts in the repacked tensor-core layout, stacked: weight I32 [E, K/16, 2N], scales [E, G, N], zero points
/// [E, G, N/8] or none. Activation-ordered experts each sort the input columns their own way: the rows of expert e are
/// gathered with its permutation (I32 [E, K]) before the GEMM. An N that is not a multiple of the layout's 64-feature
/// tiles is computed over the zero-padded tiles into scratch, as <see cref="PackedIntLinear"/> does.
/// </summary>
internal sealed class GroupedPackedIntLinear(
    QrtTensor weight, QrtTensor scale, QrtTensor? zeroPoint, QrtTensor? columnOrders, QrtTensor? bias, long groupSize, long outFeatures, string scheme)
    : IGroupedLinear
{
    /// <summary>Stacks repacked W4A16 expert layers (made on a CUDA device).</summary>
    public static GroupedPackedIntLinear Stack(IReadOnlyList<PackedIntLinear> experts)
    {
        var first = experts[0];
        var repacked = experts.Select(e => e.Repacked ?? throw new InvalidOperationException(
            "grouped W4A16 experts need their weights repacked for the CUDA kernel")).ToList();
        var head = repacked[0];
        using var build = new PartialBuild();
        var weight = build.Add(ExpertStack.Of([.. repacked.Select(r => r.Weight)], head.Weight.Shape, "repacked weight"));
        var scale = build.Add(ExpertStack.Of([.. repacked.Select(r => r.Scale)], head.Scale.Shape, "repacked scale"));
        var zeroPoint = build.AddOptional(ExpertStack.OfOptional([.. repacked.Select(r => r.ZeroPoint)], head.ZeroPoint is null ? [] : head.ZeroPoint.Shape, "repacked zero point"));
        var bias = build.AddOptional(ExpertStack.OfOptional([.. experts.Select(e => e.KernelBias)], [head.PaddedOutFeatures], "bias"));
        QrtTensor? orders = null;
        if (experts.Any(e => e.ColumnOrder is not null))
        {
            // An expert whose sorted columns kept their order gathers with the identity.
            using var identity = QrtTensor.FromData<int>([.. Enumerable.Range(0, checked((int)first.InFeatures))], DType.I32, [first.InFeatures], head.Weight.Device);
            orders = build.Add(ExpertStack.Of([.. experts.Select(e => e.ColumnOrder ?? identity)], [first.InFeatures], "column order"));
        }

        return build.Complete(new GroupedPackedIntLinear(weight, scale, zeroPoint, orders, bias, head.GroupSize, head.OutFeatures, first.Scheme));
    }

    public long InFeatures => weight.Size(1) * 16;

    public long OutFeatures => outFeatures;

    public string Scheme => scheme;

    public void Forward(QrtStream stream, QrtTensor x, QrtTensor expertOffsets, QrtTensor y)
    {
        var input = x;
        if (columnOrders is not null)
        {
            input = stream.Scratch.Rent(ScratchSlot.GatheredActivations, x.DType, x.Shape);
            Ops.GatherColumnsGrouped(stream, x, columnOrders, expertOffsets, input);
        }

        var features = scale.Size(2);
        if (features == outFeatures)
        {
            Ops.GemmWna16RepackedGrouped(stream, input, weight, scale, zeroPoint, groupSize, bias, expertOffsets, y);
            return;
        }

        var rows = x.Size(0);
        var wide = stream.Scratch.Rent(ScratchSlot.PaddedOutput, y.DType, [rows, features]);
        Ops.GemmWna16RepackedGrouped(stream, input, weight, scale, zeroPoint, groupSize, bias, expertOffsets, wide);
        using var kept = wide.Slice(1, 0, outFeatures);
        Ops.Copy(stream, kept, y);
    }

    public void Dispose()
    {
        weight.Dispose();
        scale.Dispose();
        zeroPoint?.Dispose();
        columnOrders?.Dispose();
        bias?.Dispose();
    }
}
