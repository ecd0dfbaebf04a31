using Qrt.Runtime.Layers;

namespace Qrt.Runtime.Models.Vision;

/// <summary>
/// Qwen2-VL's PatchMerger: ln_q (LayerNorm over embed_dim), then each spatial_merge_size² consecutive patch rows
/// (one merge window, as the processor orders them) read as one row of embed_dim · spatial_merge_size² values,
/// then mlp.2(GELU(mlp.0(row))) with the exact (erf) GELU, giving one token of the language model's width per window.
/// </summary>
internal sealed class Qwen2VlPatchMerger(Qwen2VlLayerNorm norm, ILinear first, ILinear second, int mergeUnit) : IDisposable
{
    /// <summary>mlp.0 and mlp.2, for summaries.</summary>
    public IEnumerable<ILinear> Linears => [first, second];

    /// <summary>Output width (the language model's hidden size).</summary>
    public long OutFeatures => second.OutFeatures;

    /// <summary>
    /// Merges <paramref name="hidden"/> [T, embed] (T a multiple of the merge unit) into a new F32 tensor
    /// [T / merge unit, hidden]; <paramref name="hidden"/> is overwritten with its normalised values.
    /// </summary>
    public QrtTensor Forward(QrtStream stream, QrtTensor hidden)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(hidden);
        var windows = hidden.Size(0) / mergeUnit;
        var device = stream.Device;
        norm.Forward(stream, hidden, hidden);
        var merged = QrtTensor.Empty(device.ActivationDType(), [windows, second.OutFeatures], device);
        try
        {
            using var rows = hidden.Reshape([windows, mergeUnit * hidden.Size(1)]);
            using var inner = QrtTensor.Empty(device.ActivationDType(), [windows, first.OutFeatures], device);
            first.Forward(stream, rows, inner);
            Ops.Activate(stream, Activation.Gelu, inner, inner);
            second.Forward(stream, inner, merged);
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
        norm.Dispose();
        first.Dispose();
        second.Dispose();
    }
}
