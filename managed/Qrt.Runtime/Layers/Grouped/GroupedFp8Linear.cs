using Qrt.Runtime.Models.Loading;

namespace Qrt.Runtime.Layers.Grouped;

/// <summary>
/// FP8 experts: W F8E4M3 [E, N, K] with scales [E] or [E, N]; activations quantized per token (dynamic) or with each
/// expert's own static scale [E] (AutoFP8 and compressed-tensors give every expert its own input_scale), or left in
/// 16 bits for weight-only FP8.
/// </summary>
internal sealed class GroupedFp8Linear(
    QrtTensor weight, QrtTensor weightScale, QrtTensor? inputScale, bool quantizeActivations, QrtTensor? bias, string scheme) : IGroupedLinear
{
    /// <summary>Stacks W8A8 FP8 expert layers.</summary>
    public static GroupedFp8Linear Stack(IReadOnlyList<Fp8Linear> experts)
    {
        var first = experts[0];
        using var build = new PartialBuild();
        var weight = build.Add(ExpertStack.Of([.. experts.Select(e => e.Weight)], [first.OutFeatures, first.InFeatures], "weight"));
        var weightScale = build.Add(ExpertStack.Of([.. experts.Select(e => e.WeightScale)], ExpertStack.ScaleShape(first.WeightScale), "weight scale"));
        var inputScale = build.AddOptional(ExpertStack.OfOptional([.. experts.Select(e => e.InputScale)], [], "input scale"));
        var bias = build.AddOptional(ExpertStack.OfOptional([.. experts.Select(e => e.Bias)], [first.OutFeatures], "bias"));
        return build.Complete(new GroupedFp8Linear(weight, weightScale, inputScale, quantizeActivations: true, bias, first.Scheme));
    }

    /// <summary>Stacks weight-only FP8 expert layers.</summary>
    public static GroupedFp8Linear Stack(IReadOnlyList<Fp8WeightOnlyLinear> experts)
    {
        var first = experts[0];
        using var build = new PartialBuild();
        var weight = build.Add(ExpertStack.Of([.. experts.Select(e => e.Weight)], [first.OutFeatures, first.InFeatures], "weight"));
        var weightScale = build.Add(ExpertStack.Of([.. experts.Select(e => e.WeightScale)], ExpertStack.ScaleShape(first.WeightScale), "weight scale"));
        var bias = build.AddOptional(ExpertStack.OfOptional([.. experts.Select(e => e.Bias)], [first.OutFeatures], "bias"));
        return build.Complete(new GroupedFp8Linear(weight, weightScale, null, quantizeActivations: false, bias, first.Scheme));
    }

    public long InFeatures => weight.Size(2);

    public long OutFeatures => weight.Size(1);

    public string Scheme => scheme;

    public void Forward(QrtStream stream, QrtTensor x, QrtTensor expertOffsets, QrtTensor y)
    {
        if (!quantizeActivations)
        {
            Ops.GemmW8A16Fp8Grouped(stream, x, weight, weightScale, bias, expertOffsets, y);
            return;
        }

        var activations = new ActivationQuantization(stream, x, DType.F8E4M3, dynamic: inputScale is null);
        if (inputScale is null)
        {
            Ops.QuantizeFp8(stream, x, null, activations.Codes, activations.RowScales);
            using var rowScales = activations.RowScales!.Reshape([x.Size(0), 1]);
            Ops.GemmW8A8Fp8Grouped(stream, activations.Codes, rowScales, weight, weightScale, bias, expertOffsets, y);
            return;
        }

        Ops.QuantizeFp8Grouped(stream, x, inputScale, expertOffsets, activations.Codes);
        Ops.GemmW8A8Fp8Grouped(stream, activations.Codes, inputScale, weight, weightScale, bias, expertOffsets, y);
    }

    public void Dispose()
    {
        weight.Dispose();
        weightScale.Dispose();
        inputScale?.Dispose();
        bias?.Dispose();
    }
}
