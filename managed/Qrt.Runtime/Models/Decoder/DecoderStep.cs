using Qrt.Runtime.Models.KvCache;

namespace Qrt.Runtime.Models.Decoder;

/// <summary>
/// The per-step inputs every attention layer shares: the new tokens' positions and cache slots, the query offsets,
/// the context length and the sequence's block table. They are written on the host into one I32 array and enqueued
/// as one copy into the stream's scratch, so a step allocates nothing on the device; the block table always has
/// <c>tableWidth</c> entries (those past the sequence's blocks are ignored by the kernels), so a decode step's
/// tensors have the same addresses and shapes at every length.
/// </summary>
internal sealed class DecoderStep
{
    public DecoderStep(
        QrtStream stream, SequenceBlocks blocks, int tokenCount, int tableWidth, (float[] Cos, float[] Sin)? rotaryTables, CancellationToken cancellationToken)
    {
        var start = blocks.Length;
        TokenCount = tokenCount;
        ContextLength = start + tokenCount;
        CancellationToken = cancellationToken;
        Stream = stream;
        var slots = blocks.Reserve(tokenCount);
        var table = blocks.Table;
        if (table.Count > tableWidth)
        {
            throw new InvalidOperationException($"the sequence holds {table.Count} blocks but the block table has room for {tableWidth}");
        }

        // Layout: positions [T] | slots [T] | query starts [2] | context length [1] | block table [tableWidth].
        var host = new int[(2 * tokenCount) + 3 + tableWidth];
        for (var t = 0; t < tokenCount; t++)
        {
            host[t] = start + t;
            host[tokenCount + t] = slots[t];
        }

        var offset = 2 * tokenCount;
        host[offset + 1] = tokenCount;
        host[offset + 2] = ContextLength;
        for (var b = 0; b < table.Count; b++)
        {
            host[offset + 3 + b] = table[b];
        }

        var indices = stream.Scratch.Rent(ScratchSlot.StepIndices, DType.I32, [host.Length]);
        Transfer.UploadOn<int>(stream, host, indices);
        Positions = indices.Slice(0, 0, tokenCount);
        Slots = indices.Slice(0, tokenCount, tokenCount);
        QueryStarts = indices.Slice(0, offset, 2);
        ContextLengths = indices.Slice(0, offset + 2, 1);
        using (var row = indices.Slice(0, offset + 3, tableWidth))
        {
            BlockTable = row.Reshape([1, tableWidth]);
        }

        if (rotaryTables is { } tables)
        {
            var half = tables.Cos.Length / tokenCount;
            var both = stream.Scratch.Rent(ScratchSlot.RotaryTables, DType.F32, [2, tokenCount, half]);
            var values = new float[2 * tables.Cos.Length];
            tables.Cos.CopyTo(values, 0);
            tables.Sin.CopyTo(values, tables.Cos.Length);
            Transfer.UploadOn<float>(stream, values, both);
            using (var cos = both.Slice(0, 0, 1))
            using (var sin = both.Slice(0, 1, 1))
            {
                RotaryCos = cos.Reshape([tokenCount, half]);
                RotarySin = sin.Reshape([tokenCount, half]);
            }
        }
    }

    /// <summary>F32 [T, D/2]: explicit rotary cos table (M-RoPE), or null to rotate by <see cref="Positions"/>.</summary>
    public QrtTensor? RotaryCos { get; }

    /// <summary>F32 [T, D/2]: the sin table beside <see cref="RotaryCos"/>.</summary>
    public QrtTensor? RotarySin { get; }

    /// <summary>The stream the step runs on.</summary>
    public QrtStream Stream { get; }

    /// <summary>New tokens in this step.</summary>
    public int TokenCount { get; }

    /// <summary>Positions of the sequence after this step.</summary>
    public int ContextLength { get; }

    /// <summary>Checked between layers, so a long prompt can be abandoned.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>I32 [T]: each new token's position.</summary>
    public QrtTensor Positions { get; }

    /// <summary>I32 [T]: each new token's cache slot.</summary>
    public QrtTensor Slots { get; }

    /// <summary>I32 [2]: one sequence owning all T queries.</summary>
    public QrtTensor QueryStarts { get; }

    /// <summary>I32 [1]: the sequence's length after this step.</summary>
    public QrtTensor ContextLengths { get; }

    /// <summary>I32 [1, table width]: the sequence's block table.</summary>
    public QrtTensor BlockTable { get; }
}
