namespace Qrt.Runtime.Synthesis;

/// <summary>
/// The shape of a synthetic model. <see cref="For" /> gives the standard sizes; tests may build their own (a single
/// layer, a narrower hidden size) to make fixtures that load in milliseconds.
/// </summary>
/// <param name="VocabSize">Rows of embed_tokens and lm_head; the tokenizer is padded to exactly this many ids.</param>
/// <param name="HiddenSize">Width of the residual stream.</param>
/// <param name="IntermediateSize">Width of the gated MLP (of each expert for Mixtral).</param>
/// <param name="LayerCount">Decoder layers.</param>
/// <param name="AttentionHeadCount">Query heads.</param>
/// <param name="KeyValueHeadCount">Key/value heads.</param>
/// <param name="HeadDim">Width of one head.</param>
/// <param name="ExpertCount">Mixtral's experts per layer (ignored for dense architectures).</param>
/// <param name="ExpertsPerToken">Mixtral's experts used per token.</param>
/// <param name="GroupSize">Input columns per scale group of the group-quantized int4 schemes; divides every linear's input width.</param>
internal sealed record ModelDimensions(
    int VocabSize,
    int HiddenSize,
    int IntermediateSize,
    int LayerCount,
    int AttentionHeadCount,
    int KeyValueHeadCount,
    int HeadDim,
    int ExpertCount,
    int ExpertsPerToken,
    int GroupSize)
{
    /// <summary>The smallest vocabulary: the 256 byte tokens, the chat markers and some merges.</summary>
    public const int MinimumVocabSize = 320;

    /// <summary>
    /// The vision tower of a vision-language architecture; when null, <see cref="SyntheticCheckpointOptions" />
    /// fills in the standard tower of the size (so dimensions built for a text model still work).
    /// </summary>
    public VisionDimensions? Vision { get; init; }

    /// <summary>The standard dimensions of <paramref name="architecture" /> at <paramref name="size" />.</summary>
    public static ModelDimensions For(SyntheticArchitecture architecture, SyntheticSize size)
    {
        // Mistral spells head_dim out and makes it differ from hidden / heads, as Pixtral's text model does.
        var mistral = architecture.TextFamily() == SyntheticArchitecture.Mistral;
        var mixtral = architecture == SyntheticArchitecture.Mixtral;
        var dimensions = size switch
        {
            SyntheticSize.Tiny => new ModelDimensions(512, 128, 256, 2, 4, 2, mistral ? 48 : 32, 4, 2, 32),

            // Every input width (1024, heads x head_dim, intermediate) is a multiple of 128, the usual group size.
            // Mixtral's four experts get half the MLP width so the model stays a few hundred million parameters.
            SyntheticSize.Small => new ModelDimensions(32000, 1024, mixtral ? 1408 : 2816, 16, 16, 4, mistral ? 128 : 64, 4, 2, 128),
            SyntheticSize.Pixtral12B when mistral => new ModelDimensions(131072, 5120, 14336, 40, 32, 8, 128, 4, 2, 128),
            SyntheticSize.Pixtral12B => throw new ArgumentException(
                $"the pixtral-12b size is Pixtral-12B's shapes, which only the pixtral and mistral architectures have; found {architecture}"),
            _ => new ModelDimensions(32000, 2048, mixtral ? 2816 : 5632, 20, 32, 8, mistral ? 128 : 64, 4, 2, 128),
        };
        return dimensions with { Vision = VisionDimensions.For(architecture, size) };
    }

    /// <summary>
    /// The group size <paramref name="scheme" /> quantizes with: the size's own for symmetric int4, 32 for the
    /// asymmetric scheme (as its recipe does), 0 (per channel) for the 8-bit schemes, which have no groups.
    /// </summary>
    public int GroupSizeFor(SyntheticScheme scheme) => scheme switch
    {
        SyntheticScheme.W4A16 or SyntheticScheme.W4A16ActOrder => GroupSize,
        SyntheticScheme.W4A16Asym => Math.Min(32, GroupSize),
        _ => 0,
    };

    /// <summary>Checks the dimensions are consistent; throws <see cref="ArgumentException" /> naming the problem.</summary>
    public void Validate(SyntheticArchitecture architecture)
    {
        Require(VocabSize >= MinimumVocabSize, $"vocabulary size must be at least {MinimumVocabSize}; found {VocabSize}");
        Require(HiddenSize > 0 && IntermediateSize > 0 && LayerCount > 0 && HeadDim > 0, "sizes must be positive");
        Require(HeadDim % 2 == 0, $"head_dim must be even for rotary embeddings; found {HeadDim}");
        Require(KeyValueHeadCount > 0 && AttentionHeadCount % KeyValueHeadCount == 0, $"key/value heads ({KeyValueHeadCount}) must divide attention heads ({AttentionHeadCount})");
        Require(GroupSize >= 8 && (GroupSize & (GroupSize - 1)) == 0, $"group size must be a power of two of at least 8; found {GroupSize}");
        Require(HiddenSize % GroupSize == 0 && IntermediateSize % GroupSize == 0 && AttentionHeadCount * HeadDim % GroupSize == 0,
            $"group size {GroupSize} must divide hidden_size ({HiddenSize}), intermediate_size ({IntermediateSize}) and heads x head_dim ({AttentionHeadCount * HeadDim})");
        if (architecture == SyntheticArchitecture.Mixtral)
        {
            Require(ExpertsPerToken > 0 && ExpertsPerToken <= ExpertCount, $"experts per token ({ExpertsPerToken}) must be between 1 and the expert count ({ExpertCount})");
        }

        if (architecture.IsVisionLanguage())
        {
            Require(Vision is not null, $"{architecture.Name()} needs vision dimensions");
            Require(architecture != SyntheticArchitecture.Qwen2Vl || HeadDim / 2 >= 3, $"head_dim must leave at least 3 rotary pairs for the three M-RoPE sections; found {HeadDim}");
            Vision!.Validate(architecture);
        }

        static void Require(bool condition, string problem)
        {
            if (!condition)
            {
                throw new ArgumentException($"Invalid synthetic model dimensions: {problem}.");
            }
        }
    }
}
