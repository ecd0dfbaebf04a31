using Qrt.Runtime.Checkpoints;
using Qrt.Runtime.Models.Architectures;
using Qrt.Runtime.Models.Loading;
using Qrt.Runtime.Quantization.Schemes;

namespace Qrt.Runtime.Models.Vision;

/// <summary>
/// The tensors of a Qwen2-VL checkpoint's vision tower and patch merger, by name and shape as the hub files store
/// them (<c>visual.*</c>; transformers 4.52 and later save them as <c>model.visual.*</c>), so a loader can check a
/// checkpoint before reading it and build the encoder from the same names.
/// </summary>
/// <param name="PatchEmbedding">
/// patch_embed.proj.weight [embed, C, t, p, p], a Conv3d without bias whose kernel equals its stride; read as a
/// dense [embed, C·t·p·p] weight, since a patch row holds its values in the same (c, t, row, column) order.
/// </param>
/// <param name="Blocks">The tower's blocks.</param>
/// <param name="MergerNormWeight">merger.ln_q.weight [embed].</param>
/// <param name="MergerNormBias">merger.ln_q.bias [embed].</param>
/// <param name="MergerIn">merger.mlp.0: embed · merge² → embed · merge², with bias.</param>
/// <param name="MergerOut">merger.mlp.2: embed · merge² → hidden_size, with bias.</param>
internal sealed record Qwen2VlVisionPlan(
    PlannedTensor PatchEmbedding, IReadOnlyList<Qwen2VlVisionBlockPlan> Blocks, PlannedTensor MergerNormWeight, PlannedTensor MergerNormBias,
    PlannedLinear MergerIn, PlannedLinear MergerOut)
{
    /// <summary>The prefix of the tower's tensors in the hub files.</summary>
    public const string DefaultPrefix = "visual";

    /// <summary>The plan for <paramref name="config"/> with tensor names under <paramref name="prefix"/>.</summary>
    public static Qwen2VlVisionPlan Create(Qwen2VlVisionConfig config, string prefix = DefaultPrefix)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        long embed = config.EmbedDim;
        var blocks = new Qwen2VlVisionBlockPlan[config.Depth];
        for (var index = 0; index < blocks.Length; index++)
        {
            var block = $"{prefix}.blocks.{index}";
            PlannedLinear Linear(string module, long outFeatures, long inFeatures) =>
                new($"{block}.{module}", $"{DefaultPrefix}.{module}", outFeatures, inFeatures, HasBias: true);
            blocks[index] = new Qwen2VlVisionBlockPlan(
                index,
                new PlannedTensor($"{block}.norm1.weight", [embed]),
                new PlannedTensor($"{block}.norm1.bias", [embed]),
                Linear("attn.qkv", 3 * embed, embed),
                Linear("attn.proj", embed, embed),
                new PlannedTensor($"{block}.norm2.weight", [embed]),
                new PlannedTensor($"{block}.norm2.bias", [embed]),
                Linear("mlp.fc1", config.MlpHidden, embed),
                Linear("mlp.fc2", embed, config.MlpHidden));
        }

        long merged = config.MergedFeatures;
        var merger = $"{prefix}.merger";
        return new Qwen2VlVisionPlan(
            new PlannedTensor(
                $"{prefix}.patch_embed.proj.weight",
                [embed, config.InChannels, config.TemporalPatchSize, config.PatchSize, config.PatchSize]),
            blocks,
            new PlannedTensor($"{merger}.ln_q.weight", [embed]),
            new PlannedTensor($"{merger}.ln_q.bias", [embed]),
            new PlannedLinear($"{merger}.mlp.0", $"{DefaultPrefix}.merger.mlp.0", merged, merged, HasBias: true),
            new PlannedLinear($"{merger}.mlp.2", $"{DefaultPrefix}.merger.mlp.2", config.HiddenSize, merged, HasBias: true));
    }

    /// <summary>Every linear layer, blocks first, then the merger.</summary>
    public IEnumerable<PlannedLinear> Linears() => Blocks.SelectMany(block => block.Linears()).Append(MergerIn).Append(MergerOut);

    /// <summary>Every plain floating-point tensor: the patch embedding and the norms' weights and biases.</summary>
    public IEnumerable<PlannedTensor> PlainTensors() =>
        Blocks.SelectMany(block => block.Norms()).Prepend(PatchEmbedding).Append(MergerNormWeight).Append(MergerNormBias);

    /// <summary>The scheme of every linear layer, resolved from the checkpoint's quantization config.</summary>
    public Dictionary<string, LinearScheme> Schemes(QuantizationConfig quantization) => PlanExpectations.Schemes(Linears(), quantization);

    /// <summary>Name → expectation for every tensor of the plan under <paramref name="schemes"/>, to merge with the text model's.</summary>
    public Dictionary<string, TensorExpectation> Expectations(IReadOnlyDictionary<string, LinearScheme> schemes) =>
        PlanExpectations.Build(PlainTensors(), Linears(), schemes);
}

/// <summary>One block of the tower: norm1, attn.qkv, attn.proj, norm2, mlp.fc1, mlp.fc2 (every linear with bias).</summary>
internal sealed record Qwen2VlVisionBlockPlan(
    int Index, PlannedTensor Norm1Weight, PlannedTensor Norm1Bias, PlannedLinear Qkv, PlannedLinear Proj,
    PlannedTensor Norm2Weight, PlannedTensor Norm2Bias, PlannedLinear Fc1, PlannedLinear Fc2)
{
    /// <summary>The block's linear layers in network order.</summary>
    public IEnumerable<PlannedLinear> Linears() => [Qkv, Proj, Fc1, Fc2];

    /// <summary>The block's LayerNorm weights and biases.</summary>
    public IEnumerable<PlannedTensor> Norms() => [Norm1Weight, Norm1Bias, Norm2Weight, Norm2Bias];
}
