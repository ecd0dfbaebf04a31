using Qrt.Runtime.Models.Loading;

namespace Qrt.Runtime.Layers.Grouped;

/// <summary>
/// W8A8 INT8 experts: W I8 [E, N, K] with scales [E] or [E, N]; activations quantized per token (dynamic), or with
/// each expert's own static scale [E] and zero point [E], as the checkpoint gives every expert its own.
/// </summary>
internal sealed class GroupedInt8Linear(
    QrtTensor weight, QrtTensor weightScale, QrtTensor? inputScale, QrtTensor? inputZeroPoint, QrtTensor? bias, string scheme) : IGroupedLinear
{
    /// <summary>Stacks INT8 expert layers.</summary>
    public static GroupedInt8Linear Stack(IReadOnlyList<Int8Linear> experts)
    {
        var first = experts[0];
        using var build = new PartialBuild();
        var weight = build.Add(ExpertStack.Of([.. experts.Select(e => e.Weight)], [first.OutFeatures, first.InFeatures], "weight"));
        var weightScale = build.Add(ExpertStack.Of([.. experts.Select(e => e.WeightScale)], ExpertStack.ScaleShape(first.WeightScale), "weight scale"));
        var inputScale = build.AddOptional(ExpertStack.OfOptional([.. experts.Select(e => e.InputScale)], [], "input scale"));
        var inputZeroPoint = build.AddOptional(ExpertStack.OfOptional([.. experts.Select(e => e.InputZeroPoint)], [], "input zero point"));
        var bias = build.AddOptional(ExpertStack.OfOptional([.. experts.Select(e => e.Bias)], [first.OutFeatures], "bias"));
        return build.Complete(new GroupedInt8Linear(weight, weightScale, inputScale, inputZeroPoint, bias, first.Scheme));
    }

    public long InFeatures => weight.Size(2);

    public long OutFeatures => weight.Size(1);

    public string Scheme => scheme;

    public void Forward(QrtStream stream, QrtTensor x, QrtTensor expertOffsets, QrtTensor y)
    {
        var activations = new ActivationQuantization(stream, x, DType.I8, dynamic: inputScale is null);
        if (inputScale is null)
        {
            Ops.QuantizeInt8(stream, x, null, null, activations.Codes, activations.RowScales);
            using var rowScales = activations.RowScales!.Reshape([x.Size(0), 1]);
            Ops.GemmW8A8Int8Grouped(stream, activations.Codes, rowScales, null, weight, weightScale, bias, expertOffsets, y);
            return;
        }

        Ops.QuantizeInt8Grouped(stream, x, inputScale, inputZeroPoint, expertOffsets, activations.Codes);
        Ops.GemmW8A8Int8Grouped(stream, activations.Codes, inputScale, inputZeroPoint, weight, weightScale, bias, expertOffsets, y);
    }

    public void Dispose()
    {
        weight.Dispose();
        weightScale.Dispose();
        inputScale?.Dispose();
        inputZeroPoint?.Dispose();
        bias?.Dispose();
    }
}
