namespace Qrt.Runtime;

/// <summary>What a piece of <see cref="StreamScratch"/> memory holds while an op uses it.</summary>
internal enum ScratchSlot
{
    /// <summary>A W8A8 layer's quantized activations (I8 or F8E4M3), shaped like its input.</summary>
    QuantizedActivations,

    /// <summary>A dynamically quantized layer's per-row activation scales (F32).</summary>
    ActivationScales,

    /// <summary>An activation-ordered layer's input with its columns gathered into the weight's order.</summary>
    GatheredActivations,

    /// <summary>A GEMM's split-K workspace, which every call leaves zero-filled as it found it.</summary>
    GemmWorkspace,

    /// <summary>A W4A16 layer's output computed over whole 64-feature tiles, before the padding columns are dropped.</summary>
    PaddedOutput,

    /// <summary>A decoder step's hidden rows, the output of each block.</summary>
    Hidden,

    /// <summary>A decoder step's residual stream.</summary>
    Residual,

    /// <summary>A decoder step's normed rows, the input of each block's attention and feed-forward parts.</summary>
    Normed,

    /// <summary>Attention queries [T, heads, head dim].</summary>
    Queries,

    /// <summary>Attention keys of the new tokens.</summary>
    Keys,

    /// <summary>Attention values of the new tokens.</summary>
    Values,

    /// <summary>Attention output before the output projection.</summary>
    Attended,

    /// <summary>A gated MLP's gate projection, then its activated product.</summary>
    Gate,

    /// <summary>A gated MLP's up projection.</summary>
    Up,

    /// <summary>A step's indices: positions, cache slots, query offsets, context length and block table (I32).</summary>
    StepIndices,

    /// <summary>A step's token ids (I32).</summary>
    TokenIds,

    /// <summary>A step's explicit rotary cos and sin tables (F32, M-RoPE).</summary>
    RotaryTables,

    /// <summary>The last row's logits (F32).</summary>
    Logits,

    /// <summary>A sampled step's temperature and top-p (F32 [2]).</summary>
    SamplingFloats,

    /// <summary>A sampled step's top-k (I32 [1]).</summary>
    SamplingTopK,

    /// <summary>A sampled step's generator seed and counter (I64 [2]).</summary>
    SamplingGenerator,

    /// <summary>The sampled token id (I32 [1]).</summary>
    SampledToken,

    /// <summary>A mixture's router logits [T, E] (F32).</summary>
    RouterLogits,

    /// <summary>The experts each token chose [T, k] (I32).</summary>
    ExpertIds,

    /// <summary>Their renormalised weights [T, k] (F32).</summary>
    ExpertWeights,

    /// <summary>The (token, slot) pairs sorted by expert [T·k] (I32).</summary>
    SortedRows,

    /// <summary>Where each expert's rows start among the sorted rows [E + 1] (I32).</summary>
    ExpertOffsets,

    /// <summary>Where each (token, slot) pair landed among the sorted rows [T, k] (I32).</summary>
    RowPositions,

    /// <summary>The tokens' rows gathered in expert order [T·k, hidden].</summary>
    RoutedRows,

    /// <summary>The experts' outputs in expert order [T·k, hidden].</summary>
    ExpertOutputs,
}

/// <summary>
/// Scratch memory that a stream lends to the layers run on it, so that a forward pass allocates nothing once the
/// largest shape has been seen. Work on one stream runs in order, so each layer can reuse the memory the layer before
/// it used: the GPU runs a later op only after the earlier ones, and the CPU finishes every op before it returns. A
/// slot grows when a larger shape comes; the old memory is freed only after the stream has finished with it. Like
/// the stream, it is used by one thread at a time. While the stream captures a graph, a slot may be rented within its
/// capacity but not grown.
/// </summary>
internal sealed class StreamScratch(QrtStream stream) : IDisposable
{
    private readonly Dictionary<(ScratchSlot Slot, DType DType), QrtTensor> _buffers = [];

    /// <summary>
    /// Buffers allocated so far. A CUDA graph records the addresses of the buffers it was captured with; when this
    /// count has moved since, a buffer may have been replaced and the graph must be captured again.
    /// </summary>
    public long Allocations { get; private set; }

    /// <summary>
    /// A contiguous tensor of <paramref name="shape"/> over the slot's memory, valid until the slot is rented again.
    /// Zero-filled memory (<paramref name="zeroed"/>) is zeroed when allocated only: its users keep it so.
    /// </summary>
    public QrtTensor Rent(ScratchSlot slot, DType dtype, ReadOnlySpan<long> shape, bool zeroed = false)
    {
        var elements = 1L;
        foreach (var size in shape)
        {
            elements = checked(elements * size);
        }

        var key = (slot, dtype);
        if (!_buffers.TryGetValue(key, out var buffer) || buffer.ElementCount < elements)
        {
            RefuseGrowthWhileCapturing(slot, dtype, buffer?.ElementCount ?? 0, elements);
            if (buffer is not null)
            {
                // Work already enqueued may still read or write the smaller buffer.
                stream.Synchronize();
                buffer.Dispose();
                _buffers.Remove(key);
            }

            var capacity = Math.Max(elements, 1);
            buffer = zeroed ? QrtTensor.Zeros(dtype, [capacity], stream.Device) : QrtTensor.Empty(dtype, [capacity], stream.Device);
            _buffers[key] = buffer;
            Allocations++;
        }

        return buffer.View(shape, ContiguousStrides(shape));
    }

    /// <summary>
    /// Growing allocates (and synchronises to free the old memory), which a graph cannot record: the allocation would
    /// happen once, now, and replays would run without it. Refuses it while the stream captures, naming the slot, and
    /// spoils the capture, since the op that wanted the memory is not recorded. Only growth asks the stream, so renting
    /// within capacity costs nothing more.
    /// </summary>
    private void RefuseGrowthWhileCapturing(ScratchSlot slot, DType dtype, long capacity, long elements)
    {
        if (!stream.IsCapturing)
        {
            return;
        }

        var message = $"scratch slot {slot} ({dtype}) would grow from {capacity} to {elements} elements while the stream " +
            "captures a graph; run the step once without capturing at this shape (or larger) first, so that the slot is in place";
        stream.SpoilCapture(message);
        throw new InvalidOperationException(message);
    }

    /// <summary>Frees every slot; the stream must have finished with them.</summary>
    public void Dispose()
    {
        foreach (var buffer in _buffers.Values)
        {
            buffer.Dispose();
        }

        _buffers.Clear();
    }

    private static long[] ContiguousStrides(ReadOnlySpan<long> shape)
    {
        var strides = new long[shape.Length];
        var stride = 1L;
        for (var i = shape.Length - 1; i >= 0; i--)
        {
            strides[i] = stride;
            stride *= shape[i];
        }

        return strides;
    }
}
