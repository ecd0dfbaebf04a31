using System.Globalization;
using Qrt.Runtime.Layers;
using Qrt.Runtime.Vision.Processing;

namespace Qrt.Runtime.Models.Vision;

/// <summary>
/// The Qwen2-VL vision tower (Qwen2VisionTransformerPretrainedModel) over patch rows: the patch Conv3d as a dense
/// layer (kernel = stride = temporal_patch_size × patch_size², so each patch is one dot product per output channel),
/// the blocks over all images' patches as one sequence with attention kept within each frame, then the
/// <see cref="Qwen2VlPatchMerger"/>. Activations are FP32.
/// </summary>
internal sealed class Qwen2VlVisionEncoder : IDisposable
{
    private readonly ILinear _patchEmbedding;
    private readonly Qwen2VlVisionBlock[] _blocks;
    private readonly Qwen2VlPatchMerger _merger;

    /// <param name="config">The tower's shape.</param>
    /// <param name="patchEmbedding">patch_embed.proj.weight [embed, C, t, p, p] read as a linear layer [embed, C·t·p·p], no bias.</param>
    /// <param name="blocks">All the tower's blocks, in order.</param>
    /// <param name="merger">The patch merger.</param>
    public Qwen2VlVisionEncoder(Qwen2VlVisionConfig config, ILinear patchEmbedding, Qwen2VlVisionBlock[] blocks, Qwen2VlPatchMerger merger)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(patchEmbedding);
        ArgumentNullException.ThrowIfNull(blocks);
        ArgumentNullException.ThrowIfNull(merger);
        if (patchEmbedding.InFeatures != config.PatchFeatures || patchEmbedding.OutFeatures != config.EmbedDim)
        {
            throw new ArgumentException(
                Invariant($"the patch embedding must map {config.PatchFeatures} to {config.EmbedDim} features; it maps {patchEmbedding.InFeatures} to {patchEmbedding.OutFeatures}"),
                nameof(patchEmbedding));
        }

        if (blocks.Length != config.Depth)
        {
            throw new ArgumentException(Invariant($"the tower has depth {config.Depth}; got {blocks.Length} blocks"), nameof(blocks));
        }

        Config = config;
        _patchEmbedding = patchEmbedding;
        _blocks = blocks;
        _merger = merger;
    }

    /// <summary>The tower's shape.</summary>
    public Qwen2VlVisionConfig Config { get; }

    /// <summary>Every linear layer in network order (patch embedding, blocks, merger), for summaries.</summary>
    public IEnumerable<ILinear> Linears =>
        _blocks.SelectMany(block => block.Linears).Prepend(_patchEmbedding).Concat(_merger.Linears);

    /// <summary>
    /// Encodes the patches of several images: <paramref name="patches"/> F32 [N, C·t·p·p] holds each image's
    /// patches, frame after frame, each frame in merge-window order (see <see cref="Qwen2VlVisionRotary.Positions"/>),
    /// each patch's values ordered channel, temporal index, pixel row, pixel column (the order of the Conv3d weight);
    /// <paramref name="grids"/> gives each image's size. Returns a new F32 tensor [N / spatial_merge_size², hidden]:
    /// one token per merge window, in input order. Cancellation is checked before each block.
    /// </summary>
    public QrtTensor Forward(QrtStream stream, QrtTensor patches, IReadOnlyList<Qwen2VlGrid> grids, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(patches);
        ArgumentNullException.ThrowIfNull(grids);
        if (grids.Count == 0)
        {
            throw new ArgumentException("at least one image is needed", nameof(grids));
        }

        foreach (var grid in grids)
        {
            Qwen2VlVisionRotary.Check(Config, grid);
        }

        var tokens = grids.Sum(grid => (long)grid.PatchCount);
        if (patches.Rank != 2 || patches.Size(0) != tokens || patches.Size(1) != Config.PatchFeatures)
        {
            throw new ArgumentException(
                Invariant($"patches must be [{tokens}, {Config.PatchFeatures}] for these grids; got {patches}"), nameof(patches));
        }

        var device = stream.Device;
        using var sequence = VisionSequence.ForQwen2Vl(Config, grids, device);
        using var hidden = QrtTensor.Empty(device.ActivationDType(), [tokens, Config.EmbedDim], device);
        using (var normed = QrtTensor.Empty(device.ActivationDType(), [tokens, Config.EmbedDim], device))
        using (var branch = QrtTensor.Empty(device.ActivationDType(), [tokens, Config.EmbedDim], device))
        {
            _patchEmbedding.Forward(stream, patches, hidden);
            foreach (var block in _blocks)
            {
                cancellationToken.ThrowIfCancellationRequested();
                block.Forward(stream, sequence, hidden, normed, branch);
            }
        }

        var merged = _merger.Forward(stream, hidden);
        try
        {
            stream.Synchronize();
            return merged;
        }
        catch
        {
            merged.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        _patchEmbedding.Dispose();
        foreach (var block in _blocks)
        {
            block.Dispose();
        }

        _merger.Dispose();
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
