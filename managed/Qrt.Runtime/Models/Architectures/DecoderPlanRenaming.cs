namespace Qrt.Runtime.Models.Architectures;

/// <summary>
/// A plan with every tensor and module name mapped, for checkpoints that keep the language model under a prefix
/// (a Llava checkpoint's <c>language_model.model.*</c>). Layer kinds, shapes and biases stay as they are.
/// </summary>
internal static class DecoderPlanRenaming
{
    /// <summary><paramref name="plan"/> with each name passed through <paramref name="rename"/>.</summary>
    public static DecoderPlan Renamed(this DecoderPlan plan, Func<string, string> rename)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(rename);
        PlannedTensor Tensor(PlannedTensor tensor) => tensor with { Name = rename(tensor.Name) };
        PlannedLinear Linear(PlannedLinear linear) => linear with { Name = rename(linear.Name) };
        GatedMlpPlan Mlp(GatedMlpPlan mlp) => new(Linear(mlp.Gate), Linear(mlp.Up), Linear(mlp.Down));
        var layers = plan.Layers.Select(layer => layer with
        {
            InputNorm = Tensor(layer.InputNorm),
            Attention = new AttentionPlan(
                Linear(layer.Attention.Query), Linear(layer.Attention.Key), Linear(layer.Attention.Value), Linear(layer.Attention.Output)),
            PostAttentionNorm = Tensor(layer.PostAttentionNorm),
            Mlp = layer.Mlp is null ? null : Mlp(layer.Mlp),
            Experts = layer.Experts is null
                ? null
                : layer.Experts with { Router = Linear(layer.Experts.Router), Experts = [.. layer.Experts.Experts.Select(Mlp)] },
        }).ToArray();
        return new DecoderPlan(Tensor(plan.Embedding), layers, Tensor(plan.FinalNorm), plan.LmHead is null ? null : Linear(plan.LmHead));
    }
}
