namespace Qrt.Runtime.Synthesis;

/// <summary>
/// The shape of a synthetic vision tower: Pixtral's (hidden_size, num_hidden_layers, num_attention_heads,
/// intermediate_size) or Qwen2-VL's (embed_dim, depth, num_heads, embed_dim · mlp_ratio). The projector or patch
/// merger takes its output width from the language model.
/// </summary>
/// <param name="HiddenSize">Width of the tower's residual stream (Qwen2-VL's embed_dim).</param>
/// <param name="LayerCount">Transformer blocks (Qwen2-VL's depth).</param>
/// <param name="HeadCount">Attention heads; hidden / heads is the head width.</param>
/// <param name="IntermediateSize">Width of the block MLP (Qwen2-VL writes it as mlp_ratio = intermediate / hidden).</param>
internal sealed record VisionDimensions(int HiddenSize, int LayerCount, int HeadCount, int IntermediateSize)
{
    /// <summary>Width of one attention head.</summary>
    public int HeadDim => HiddenSize / HeadCount;

    /// <summary>The standard tower of <paramref name="architecture" /> at <paramref name="size" />, or null for a text-only architecture.</summary>
    public static VisionDimensions? For(SyntheticArchitecture architecture, SyntheticSize size) => (architecture, size) switch
    {
        (SyntheticArchitecture.Pixtral or SyntheticArchitecture.Qwen2Vl, SyntheticSize.Tiny) => new VisionDimensions(64, 2, 2, 128),

        // The released towers: Pixtral-12B's, and the one every Qwen2-VL size shares (mlp_ratio 4).
        (SyntheticArchitecture.Pixtral, _) => new VisionDimensions(1024, 24, 16, 4096),
        (SyntheticArchitecture.Qwen2Vl, _) => new VisionDimensions(1280, 32, 16, 5120),
        _ => null,
    };

    /// <summary>Checks the tower can be built and read back; throws <see cref="ArgumentException" /> naming the problem.</summary>
    public void Validate(SyntheticArchitecture architecture)
    {
        Require(HiddenSize > 0 && LayerCount > 0 && HeadCount > 0 && IntermediateSize > 0, "vision sizes must be positive");
        Require(HiddenSize % HeadCount == 0, $"vision heads ({HeadCount}) must divide the vision hidden size ({HiddenSize})");

        // Pixtral's 2-D rotary splits a head in two halves; Qwen2-VL's splits each half again by row and column.
        var multiple = architecture == SyntheticArchitecture.Qwen2Vl ? 4 : 2;
        Require(HeadDim % multiple == 0, $"the vision head width ({HeadDim}) must be a multiple of {multiple} for the 2-D rotary embedding");

        // Qwen2-VL's config spells the MLP width as an integer mlp_ratio (transformers declares it int).
        Require(architecture != SyntheticArchitecture.Qwen2Vl || IntermediateSize % HiddenSize == 0,
            $"the vision MLP width ({IntermediateSize}) must be a whole multiple of the vision hidden size ({HiddenSize}): Qwen2-VL writes it as an integer mlp_ratio");

        static void Require(bool condition, string problem)
        {
            if (!condition)
            {
                throw new ArgumentException($"Invalid synthetic vision dimensions: {problem}.");
            }
        }
    }
}
