using Qrt.Runtime.Layers;
using Qrt.Runtime.Models.Decoder;

namespace Qrt.Runtime.Models.Vision;

/// <summary>
/// One block of the Pixtral vision transformer (PixtralAttentionLayer): pre-norm RMSNorm, multi-head attention
/// without biases whose q and k turn by the 2-D rotary tables and which attends only within each image (no
/// causal order), then pre-norm RMSNorm and the SiLU-gated MLP, each with a residual add. As in the text
/// decoder, the residual stream lives in its own tensor and the adds are fused into the norms.
/// </summary>
internal sealed class PixtralVisionLayer(
    QrtTensor attentionNorm, ILinear query, ILinear key, ILinear value, ILinear output, QrtTensor ffnNorm, GatedMlp feedForward,
    int heads, int headDim) : IDisposable
{
    private readonly float _scale = 1f / MathF.Sqrt(headDim);

    /// <summary>The linear layers in network order, for summaries.</summary>
    public IEnumerable<ILinear> Linears => new[] { query, key, value, output }.Concat(feedForward.Linears);

    /// <summary>
    /// Adds <paramref name="hidden"/> (the previous block's output) to <paramref name="residual"/>, runs the block
    /// and leaves its output in <paramref name="hidden"/>; <paramref name="normed"/> is scratch.
    /// </summary>
    public void Forward(QrtStream stream, VisionSequence sequence, QrtTensor hidden, QrtTensor residual, QrtTensor normed)
    {
        Ops.AddRmsNorm(stream, hidden, residual, attentionNorm, PixtralVisionConfig.NormEps, normed);
        Attend(stream, sequence, normed, hidden);
        Ops.AddRmsNorm(stream, hidden, residual, ffnNorm, PixtralVisionConfig.NormEps, normed);
        feedForward.Forward(stream, normed, hidden);
    }

    public void Dispose()
    {
        attentionNorm.Dispose();
        query.Dispose();
        key.Dispose();
        value.Dispose();
        output.Dispose();
        ffnNorm.Dispose();
        feedForward.Dispose();
    }

    private void Attend(QrtStream stream, VisionSequence sequence, QrtTensor x, QrtTensor y)
    {
        var device = stream.Device;
        var tokens = sequence.TokenCount;
        using var q = QrtTensor.Empty(device.ActivationDType(), [tokens, heads, headDim], device);
        using var k = QrtTensor.Empty(device.ActivationDType(), [tokens, heads, headDim], device);
        using var v = QrtTensor.Empty(device.ActivationDType(), [tokens, heads, headDim], device);
        using (var qRows = q.Reshape([tokens, heads * headDim]))
        using (var kRows = k.Reshape([tokens, heads * headDim]))
        using (var vRows = v.Reshape([tokens, heads * headDim]))
        {
            query.Forward(stream, x, qRows);
            key.Forward(stream, x, kRows);
            value.Forward(stream, x, vRows);
        }

        Ops.RopeCosSin(stream, q, sequence.Cos, sequence.Sin);
        Ops.RopeCosSin(stream, k, sequence.Cos, sequence.Sin);
        using var attended = QrtTensor.Empty(device.ActivationDType(), [tokens, heads, headDim], device);
        Ops.Attention(stream, q, k, v, sequence.Mask, _scale, attended);
        using var rows = attended.Reshape([tokens, heads * headDim]);
        output.Forward(stream, rows, y);
    }
}
