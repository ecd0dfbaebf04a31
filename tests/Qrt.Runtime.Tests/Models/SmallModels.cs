using Qrt.Runtime.Synthesis;

namespace Qrt.Runtime.Tests.Models;

/// <summary>Model shapes small enough that a checkpoint is written, loaded and run in well under a second.</summary>
internal static class SmallModels
{
    /// <summary>
    /// Two blocks, hidden 64, 4 query heads over 2 key/value heads of width 16 (Mistral: an explicit 24, so
    /// heads × head_dim ≠ hidden), MLP width 128, Mixtral with 4 experts of which 2 run; int4 groups of 32.
    /// </summary>
    public static ModelDimensions Dimensions(SyntheticArchitecture architecture) => new(
        VocabSize: ModelDimensions.MinimumVocabSize,
        HiddenSize: 64,
        IntermediateSize: 128,
        LayerCount: 2,
        AttentionHeadCount: 4,
        KeyValueHeadCount: 2,
        HeadDim: architecture == SyntheticArchitecture.Mistral ? 24 : 16,
        ExpertCount: 4,
        ExpertsPerToken: 2,
        GroupSize: 32);
}
