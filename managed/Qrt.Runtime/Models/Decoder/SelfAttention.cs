using Qrt.Runtime.Layers;
using Qrt.Runtime.Models.KvCache;

namespace Qrt.Runtime.Models.Decoder;

/// <summary>
/// Grouped-query self-attention with rotary positions over a paged KV cache: project q, k, v; rotate q and k;
/// write k and v into the sequence's blocks; attend causally (within the sliding window, if any) over every
/// cached position; project the heads back to the hidden size.
/// </summary>
internal sealed class SelfAttention(
    int layer, ILinear query, ILinear key, ILinear value, ILinear output,
    int heads, int keyValueHeads, int headDim, int slidingWindow, QrtTensor inverseFrequencies) : IDisposable
{
    private readonly float _scale = 1f / MathF.Sqrt(headDim);

    /// <summary>The projections, for summaries.</summary>
    public IEnumerable<ILinear> Linears => [query, key, value, output];

    /// <summary>Attends from x [T, hidden] and writes the result into y [T, hidden].</summary>
    public void Forward(DecoderStep step, PagedKvCache cache, QrtTensor x, QrtTensor y)
    {
        var stream = step.Stream;
        var tokens = step.TokenCount;
        var q = stream.Scratch.Rent(ScratchSlot.Queries, x.DType, [tokens, heads, headDim]);
        var k = stream.Scratch.Rent(ScratchSlot.Keys, x.DType, [tokens, keyValueHeads, headDim]);
        var v = stream.Scratch.Rent(ScratchSlot.Values, x.DType, [tokens, keyValueHeads, headDim]);
        using (var qRows = q.Reshape([tokens, heads * headDim]))
        using (var kRows = k.Reshape([tokens, keyValueHeads * headDim]))
        using (var vRows = v.Reshape([tokens, keyValueHeads * headDim]))
        {
            query.Forward(stream, x, qRows);
            key.Forward(stream, x, kRows);
            value.Forward(stream, x, vRows);
        }

        if (step.RotaryCos is { } cos && step.RotarySin is { } sin)
        {
            Ops.RopeCosSin(stream, q, cos, sin);
            Ops.RopeCosSin(stream, k, cos, sin);
        }
        else
        {
            Ops.Rope(stream, q, step.Positions, inverseFrequencies);
            Ops.Rope(stream, k, step.Positions, inverseFrequencies);
        }
        var keys = cache.Keys(layer);
        var values = cache.Values(layer);
        Ops.KvCacheWrite(stream, k, v, step.Slots, keys, values);

        var attended = stream.Scratch.Rent(ScratchSlot.Attended, x.DType, [tokens, heads, headDim]);
        Ops.PagedAttention(stream, q, keys, values, step.QueryStarts, step.ContextLengths, step.BlockTable, _scale, slidingWindow, attended);
        using var rows = attended.Reshape([tokens, heads * headDim]);
        output.Forward(stream, rows, y);
    }

    public void Dispose()
    {
        query.Dispose();
        key.Dispose();
        value.Dispose();
        output.Dispose();
    }
}

