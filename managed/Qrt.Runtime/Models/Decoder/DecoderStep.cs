using Qrt.Runtime.Models.KvCache;

namespace Qrt.Runtime.Models.Decoder;

/// <summary>
/// The per-step inputs every attention layer shares: the new tokens' positions and cache slots, and the
/// sequence's block table, as device tensors made once per step.
/// </summary>
internal sealed class DecoderStep : IDisposable
{
    public DecoderStep(
        QrtStream stream, SequenceBlocks blocks, int tokenCount, (float[] Cos, float[] Sin)? rotaryTables, CancellationToken cancellationToken)
    {
        var device = stream.Device;
        var start = blocks.Length;
        TokenCount = tokenCount;
        ContextLength = start + tokenCount;
        CancellationToken = cancellationToken;
        Stream = stream;
        var slots = blocks.Reserve(tokenCount);
        Positions = QrtTensor.FromData<int>([.. Enumerable.Range(start, tokenCount)], DType.I32, [tokenCount], device);
        Slots = QrtTensor.FromData<int>(slots, DType.I32, [tokenCount], device);
        QueryStarts = QrtTensor.FromData<int>([0, tokenCount], DType.I32, [2], device);
        ContextLengths = QrtTensor.FromData<int>([ContextLength], DType.I32, [1], device);
        var table = blocks.Table.ToArray();
        BlockTable = QrtTensor.FromData<int>(table, DType.I32, [1, table.Length], device);
        if (rotaryTables is { } tables)
        {
            var half = tables.Cos.Length / tokenCount;
            RotaryCos = QrtTensor.FromData<float>(tables.Cos, DType.F32, [tokenCount, half], device);
            RotarySin = QrtTensor.FromData<float>(tables.Sin, DType.F32, [tokenCount, half], device);
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

    /// <summary>I32 [1, blocks]: the sequence's block table.</summary>
    public QrtTensor BlockTable { get; }

    public void Dispose()
    {
        Positions.Dispose();
        Slots.Dispose();
        QueryStarts.Dispose();
        ContextLengths.Dispose();
        BlockTable.Dispose();
        RotaryCos?.Dispose();
        RotarySin?.Dispose();
    }
}
