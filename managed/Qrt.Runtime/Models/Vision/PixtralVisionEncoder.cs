using System.Globalization;
using Qrt.Runtime.Layers;

namespace Qrt.Runtime.Models.Vision;

/// <summary>
/// The Pixtral vision encoder (PixtralVisionModel) over patch rows: the patch convolution as a dense layer
/// (kernel = stride = patch size, so each patch is one dot product per output channel), ln_pre, then the
/// transformer blocks over all images' patches as one sequence with attention kept within each image. There is
/// no final norm; the output is the hidden state after the requested block. Activations are FP32.
/// </summary>
internal sealed class PixtralVisionEncoder : IDisposable
{
    private readonly ILinear _patchEmbedding;
    private readonly QrtTensor _preNorm;
    private readonly PixtralVisionLayer[] _layers;

    /// <param name="config">The tower's shape.</param>
    /// <param name="patchEmbedding">patch_conv.weight [hidden, 3, p, p] read as a linear layer [hidden, 3·p·p].</param>
    /// <param name="preNorm">ln_pre.weight [hidden].</param>
    /// <param name="layers">The blocks in order; may be fewer than the config's when later ones are never read.</param>
    public PixtralVisionEncoder(PixtralVisionConfig config, ILinear patchEmbedding, QrtTensor preNorm, PixtralVisionLayer[] layers)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(patchEmbedding);
        ArgumentNullException.ThrowIfNull(preNorm);
        ArgumentNullException.ThrowIfNull(layers);
        if (patchEmbedding.InFeatures != config.PatchFeatures || patchEmbedding.OutFeatures != config.HiddenSize)
        {
            throw new ArgumentException(
                Invariant($"the patch embedding must map {config.PatchFeatures} to {config.HiddenSize} features; it maps {patchEmbedding.InFeatures} to {patchEmbedding.OutFeatures}"),
                nameof(patchEmbedding));
        }

        Config = config;
        _patchEmbedding = patchEmbedding;
        _preNorm = preNorm;
        _layers = layers;
    }

    /// <summary>The tower's shape.</summary>
    public PixtralVisionConfig Config { get; }

    /// <summary>Blocks held.</summary>
    public int LayerCount => _layers.Length;

    /// <summary>Every linear layer, patch embedding first, for summaries.</summary>
    public IEnumerable<ILinear> Linears => _layers.SelectMany(layer => layer.Linears).Prepend(_patchEmbedding);

    /// <summary>
    /// Blocks to run for transformers' hidden-state index <paramref name="featureLayer"/> of a tower of
    /// <paramref name="layerCount"/> blocks: the states are [after ln_pre, after block 1, ..., after block N], indexed
    /// from the front or (negative) from the back.
    /// </summary>
    public static int BlocksFor(int featureLayer, int layerCount)
    {
        var blocks = featureLayer >= 0 ? featureLayer : layerCount + 1 + featureLayer;
        return blocks >= 0 && blocks <= layerCount
            ? blocks
            : throw new ArgumentOutOfRangeException(nameof(featureLayer), Invariant($"feature layer {featureLayer} does not index the {layerCount + 1} hidden states of {layerCount} blocks"));
    }

    /// <summary>
    /// Encodes the patches of several images: <paramref name="patches"/> F32 [N, 3·p·p] holds each image's patches
    /// row by row, image after image, each patch's values ordered channel, then pixel row, then pixel column (the
    /// order of the convolution weight); <paramref name="grids"/> gives each image's size in patches. Returns a new
    /// F32 [N, hidden] tensor, the hidden state at <paramref name="featureLayer"/> (see <see cref="BlocksFor"/>).
    /// Cancellation is checked before each block.
    /// </summary>
    public QrtTensor Forward(
        QrtStream stream, QrtTensor patches, IReadOnlyList<PatchGrid> grids, int featureLayer = -1, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(patches);
        ArgumentNullException.ThrowIfNull(grids);
        var blocks = BlocksFor(featureLayer, Config.LayerCount);
        if (blocks > _layers.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(featureLayer), Invariant($"feature layer {featureLayer} needs {blocks} blocks; this encoder holds {_layers.Length}"));
        }

        if (grids.Count == 0)
        {
            throw new ArgumentException("at least one image is needed", nameof(grids));
        }

        var tokens = grids.Sum(grid => (long)grid.Count);
        if (patches.Rank != 2 || patches.Size(0) != tokens || patches.Size(1) != Config.PatchFeatures)
        {
            throw new ArgumentException(
                Invariant($"patches must be [{tokens}, {Config.PatchFeatures}] for these grids; got {patches}"), nameof(patches));
        }

        var device = stream.Device;
        var hidden = QrtTensor.Empty(device.ActivationDType(), [tokens, Config.HiddenSize], device);
        try
        {
            using var sequence = VisionSequence.ForPixtral(Config, grids, device);
            using var residual = QrtTensor.Zeros(device.ActivationDType(), [tokens, Config.HiddenSize], device);
            using var normed = QrtTensor.Empty(device.ActivationDType(), [tokens, Config.HiddenSize], device);
            _patchEmbedding.Forward(stream, patches, normed);
            Ops.RmsNorm(stream, normed, _preNorm, PixtralVisionConfig.NormEps, hidden);
            // With a zero residual, the first block's fused add leaves exactly ln_pre's output in the residual stream.
            for (var layer = 0; layer < blocks; layer++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                _layers[layer].Forward(stream, sequence, hidden, residual, normed);
            }

            if (blocks > 0)
            {
                Ops.Add(stream, hidden, residual, hidden);
            }

            stream.Synchronize();
            return hidden;
        }
        catch
        {
            hidden.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        _patchEmbedding.Dispose();
        _preNorm.Dispose();
        foreach (var layer in _layers)
        {
            layer.Dispose();
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
