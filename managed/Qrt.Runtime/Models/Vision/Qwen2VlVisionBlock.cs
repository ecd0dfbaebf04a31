using Qrt.Runtime.Layers;

namespace Qrt.Runtime.Models.Vision;

/// <summary>
/// One block of the Qwen2-VL vision transformer (Qwen2VLVisionBlock): x = x + proj(attention(norm1(x))), then
/// x = x + fc2(act(fc1(norm2(x)))). The norms are LayerNorms with bias; attention projects q, k and v with one
/// fused layer whose output rows hold all of q, then all of k, then all of v, turns q and k by the 2-D rotary
/// tables, and attends without causal order within each frame.
/// </summary>
internal sealed class Qwen2VlVisionBlock(
    Qwen2VlLayerNorm norm1, ILinear qkv, ILinear proj, Qwen2VlLayerNorm norm2, ILinear fc1, ILinear fc2,
    Activation activation, int heads, int headDim) : IDisposable
{
    private readonly float _scale = 1f / MathF.Sqrt(headDim);

    /// <summary>The linear layers in network order, for summaries.</summary>
    public IEnumerable<ILinear> Linears => [qkv, proj, fc1, fc2];

    /// <summary>
    /// Runs the block on <paramref name="hidden"/> [T, embed] in place; <paramref name="normed"/> and
    /// <paramref name="branch"/> [T, embed] are scratch.
    /// </summary>
    public void Forward(QrtStream stream, VisionSequence sequence, QrtTensor hidden, QrtTensor normed, QrtTensor branch)
    {
        norm1.Forward(stream, hidden, normed);
        Attend(stream, sequence, normed, branch);
        Ops.Add(stream, hidden, branch, hidden);
        norm2.Forward(stream, hidden, normed);
        using (var inner = QrtTensor.Empty(stream.Device.ActivationDType(), [sequence.TokenCount, fc1.OutFeatures], stream.Device))
        {
            fc1.Forward(stream, normed, inner);
            Ops.Activate(stream, activation, inner, inner);
            fc2.Forward(stream, inner, branch);
        }

        Ops.Add(stream, hidden, branch, hidden);
    }

    public void Dispose()
    {
        norm1.Dispose();
        qkv.Dispose();
        proj.Dispose();
        norm2.Dispose();
        fc1.Dispose();
        fc2.Dispose();
    }

    private void Attend(QrtStream stream, VisionSequence sequence, QrtTensor x, QrtTensor y)
    {
        var device = stream.Device;
        var tokens = sequence.TokenCount;
        var width = heads * headDim;
        using var fused = QrtTensor.Empty(device.ActivationDType(), [tokens, 3 * width], device);
        qkv.Forward(stream, x, fused);
        using var q = Part(stream, fused, 0);
        using var k = Part(stream, fused, 1);
        using var v = Part(stream, fused, 2);
        Ops.RopeCosSin(stream, q, sequence.Cos, sequence.Sin);
        Ops.RopeCosSin(stream, k, sequence.Cos, sequence.Sin);
        using var attended = QrtTensor.Empty(device.ActivationDType(), [tokens, heads, headDim], device);
        Ops.Attention(stream, q, k, v, sequence.Mask, _scale, attended);
        using var rows = attended.Reshape([tokens, width]);
        proj.Forward(stream, rows, y);
    }

    /// <summary>
    /// A contiguous [T, heads, head_dim] copy of part <paramref name="index"/> (0 = q, 1 = k, 2 = v) of the fused
    /// projection's rows, which transformers reads as reshape(T, 3, heads, head_dim).
    /// </summary>
    private QrtTensor Part(QrtStream stream, QrtTensor fused, int index)
    {
        var tokens = fused.Size(0);
        var width = heads * headDim;
        var part = QrtTensor.Empty(stream.Device.ActivationDType(), [tokens, heads, headDim], stream.Device);
        try
        {
            using var view = fused.View([tokens, heads, headDim], [3L * width, headDim, 1], (long)index * width);
            Ops.Copy(stream, view, part);
            return part;
        }
        catch
        {
            part.Dispose();
            throw;
        }
    }
}
