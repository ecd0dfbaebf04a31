using Qrt.Runtime.Checkpoints;
using Qrt.Runtime.Models.Architectures;
using Qrt.Runtime.Models.Loading;
using Qrt.Runtime.Quantization.Schemes;

namespace Qrt.Runtime.Models.Vision;

/// <summary>
/// The tensors of a Llava checkpoint's Pixtral tower and projector, by name and shape as the hub files store
/// them (<c>vision_tower.*</c>, <c>multi_modal_projector.*</c>), so a loader can check a checkpoint before
/// reading it and build the encoder from the same names.
/// </summary>
/// <param name="PatchConvolution">patch_conv.weight [hidden, 3, p, p], a convolution without bias, never quantized.</param>
/// <param name="PreNorm">ln_pre.weight [hidden].</param>
/// <param name="Layers">The tower's blocks.</param>
/// <param name="ProjectorIn">linear_1: vision hidden → text hidden.</param>
/// <param name="ProjectorOut">linear_2: text hidden → text hidden.</param>
internal sealed record PixtralVisionPlan(
    PlannedTensor PatchConvolution, PlannedTensor PreNorm, IReadOnlyList<PixtralVisionLayerPlan> Layers, PlannedLinear ProjectorIn, PlannedLinear ProjectorOut)
{
    private const string Tower = "vision_tower";
    private const string Projector = "multi_modal_projector";
    /// <summary>
    /// The plan for <paramref name="config"/> feeding a language model <paramref name="textHiddenSize"/> wide, with the
    /// tower's tensors under <paramref name="towerPrefix"/> and the projector's under <paramref name="projectorPrefix"/>
    /// (transformers 4.52 and later save them under "model.").
    /// </summary>
    public static PixtralVisionPlan Create(LlavaVisionConfig config, long textHiddenSize, string towerPrefix = Tower, string projectorPrefix = Projector)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentException.ThrowIfNullOrEmpty(towerPrefix);
        ArgumentException.ThrowIfNullOrEmpty(projectorPrefix);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(textHiddenSize);
        var vision = config.Vision;
        long hidden = vision.HiddenSize;
        var layers = new PixtralVisionLayerPlan[vision.LayerCount];
        for (var index = 0; index < layers.Length; index++)
        {
            var prefix = $"{towerPrefix}.transformer.layers.{index}";
            PlannedLinear Linear(string module, string name, long outFeatures, long inFeatures) =>
                new($"{prefix}.{module}.{name}", $"{Tower}.{module}.{name}", outFeatures, inFeatures, HasBias: false);
            layers[index] = new PixtralVisionLayerPlan(
                index,
                new PlannedTensor($"{prefix}.attention_norm.weight", [hidden]),
                new AttentionPlan(
                    Linear("attention", "q_proj", hidden, hidden),
                    Linear("attention", "k_proj", hidden, hidden),
                    Linear("attention", "v_proj", hidden, hidden),
                    Linear("attention", "o_proj", hidden, hidden)),
                new PlannedTensor($"{prefix}.ffn_norm.weight", [hidden]),
                new GatedMlpPlan(
                    Linear("feed_forward", "gate_proj", vision.IntermediateSize, hidden),
                    Linear("feed_forward", "up_proj", vision.IntermediateSize, hidden),
                    Linear("feed_forward", "down_proj", hidden, vision.IntermediateSize)));
        }

        return new PixtralVisionPlan(
            new PlannedTensor($"{towerPrefix}.patch_conv.weight", [hidden, PixtralVisionConfig.Channels, vision.PatchSize, vision.PatchSize]),
            new PlannedTensor($"{towerPrefix}.ln_pre.weight", [hidden]),
            layers,
            new PlannedLinear($"{projectorPrefix}.linear_1", $"{Projector}.linear_1", textHiddenSize, hidden, config.ProjectorBias),
            new PlannedLinear($"{projectorPrefix}.linear_2", $"{Projector}.linear_2", textHiddenSize, textHiddenSize, config.ProjectorBias));
    }

    /// <summary>Every linear layer, tower blocks first, then the projector.</summary>
    public IEnumerable<PlannedLinear> Linears() => Layers.SelectMany(layer => layer.Linears()).Append(ProjectorIn).Append(ProjectorOut);

    /// <summary>Every plain floating-point tensor: the patch convolution and the norms.</summary>
    public IEnumerable<PlannedTensor> PlainTensors() =>
        Layers.SelectMany(layer => new[] { layer.AttentionNorm, layer.FfnNorm }).Prepend(PreNorm).Prepend(PatchConvolution);

    /// <summary>The scheme of every linear layer, resolved from the checkpoint's quantization config.</summary>
    public Dictionary<string, LinearScheme> Schemes(QuantizationConfig quantization) => PlanExpectations.Schemes(Linears(), quantization);

    /// <summary>Name → expectation for every tensor of the plan under <paramref name="schemes"/>, to merge with the text model's.</summary>
    public Dictionary<string, TensorExpectation> Expectations(IReadOnlyDictionary<string, LinearScheme> schemes) =>
        PlanExpectations.Build(PlainTensors(), Linears(), schemes);
}

/// <summary>One block of the tower: attention_norm, attention, ffn_norm, the gated MLP.</summary>
internal sealed record PixtralVisionLayerPlan(int Index, PlannedTensor AttentionNorm, AttentionPlan Attention, PlannedTensor FfnNorm, GatedMlpPlan FeedForward)
{
    /// <summary>The block's linear layers in network order.</summary>
    public IEnumerable<PlannedLinear> Linears() =>
        new[] { Attention.Query, Attention.Key, Attention.Value, Attention.Output }.Concat(FeedForward.Linears());
}
