using Qrt.Runtime.Models.KvCache;

namespace Qrt.Runtime.Models.Decoder;

/// <summary>
/// One pre-norm transformer block: h = h + attention(rms_norm(h)); h = h + feed_forward(rms_norm(h)). The
/// residual stream is kept in its own tensor and the adds are fused into the norms.
/// </summary>
internal sealed class DecoderLayer(QrtTensor inputNorm, SelfAttention attention, QrtTensor postAttentionNorm, IFeedForward feedForward, float eps)
    : IDisposable
{
    /// <summary>The attention part.</summary>
    public SelfAttention Attention => attention;

    /// <summary>The dense MLP or mixture of experts.</summary>
    public IFeedForward FeedForward => feedForward;

    /// <summary>
    /// Adds <paramref name="hidden"/> (the previous block's output) to <paramref name="residual"/>, runs the block,
    /// and leaves its output in <paramref name="hidden"/>; <paramref name="normed"/> is scratch.
    /// </summary>
    public void Forward(DecoderStep step, PagedKvCache cache, QrtTensor hidden, QrtTensor residual, QrtTensor normed)
    {
        var stream = step.Stream;
        Ops.AddRmsNorm(stream, hidden, residual, inputNorm, eps, normed);
        attention.Forward(step, cache, normed, hidden);
        Ops.AddRmsNorm(stream, hidden, residual, postAttentionNorm, eps, normed);
        feedForward.Forward(stream, normed, hidden);
    }

    public void Dispose()
    {
        inputNorm.Dispose();
        attention.Dispose();
        postAttentionNorm.Dispose();
        feedForward.Dispose();
    }
}
