using Qrt.Runtime.Models.Loading;

namespace Qrt.Runtime.Layers.Grouped;

/// <summary>Dense experts: W [E, N, K] in the checkpoint's float dtype, bias [E, N] or none.</summary>
internal sealed class GroupedDenseLinear(QrtTensor weight, QrtTensor? bias, string scheme) : IGroupedLinear
{
    /// <summary>Stacks dense expert layers.</summary>
    public static GroupedDenseLinear Stack(IReadOnlyList<DenseLinear> experts)
    {
        var first = experts[0];
        using var build = new PartialBuild();
        var weight = build.Add(ExpertStack.Of([.. experts.Select(e => e.Weight)], [first.OutFeatures, first.InFeatures], "weight"));
        var bias = build.AddOptional(ExpertStack.OfOptional([.. experts.Select(e => e.Bias)], [first.OutFeatures], "bias"));
        return build.Complete(new GroupedDenseLinear(weight, bias, first.Scheme));
    }

    public long InFeatures => weight.Size(2);

    public long OutFeatures => weight.Size(1);

    public string Scheme => scheme;

    public void Forward(QrtStream stream, QrtTensor x, QrtTensor expertOffsets, QrtTensor y) =>
        Ops.GemmGrouped(stream, x, weight, bias, expertOffsets, y);

    public void Dispose()
    {
        weight.Dispose();
        bias?.Dispose();
    }
}
