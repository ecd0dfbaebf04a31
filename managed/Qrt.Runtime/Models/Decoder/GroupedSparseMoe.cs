using Qrt.Runtime.Layers;
using Qrt.Runtime.Layers.Grouped;

namespace Qrt.Runtime.Models.Decoder;

/// <summary>
/// Mixtral's sparse mixture of experts on the device, as vLLM's fused MoE runs it: the router's logits go through a
/// softmax, top-k and renormalisation on the device; the T·k (token, expert) rows are sorted by expert and gathered;
/// each projection of all experts runs as one grouped GEMM over the sorted rows (experts no token chose read no
/// weights); the outputs are combined weighted, expert by expert in index order as transformers adds them. Nothing
/// is read back to the host, so a decode step with a mixture can be captured in a CUDA graph.
/// <see cref="SparseMoe"/> is the CPU's form, with routing on the host; both compute the same function.
/// </summary>
internal sealed class GroupedSparseMoe(
    ILinear router, IGroupedLinear gate, IGroupedLinear up, IGroupedLinear down, int expertCount, int expertsPerToken) : IFeedForward
{
    /// <inheritdoc />
    public IEnumerable<string> LinearSchemes =>
        Enumerable.Range(0, expertCount).SelectMany(_ => new[] { gate.Scheme, up.Scheme, down.Scheme }).Prepend(router.Scheme);

    /// <inheritdoc />
    public void Forward(QrtStream stream, QrtTensor x, QrtTensor y)
    {
        var tokens = x.Size(0);
        var rows = tokens * expertsPerToken;
        var scratch = stream.Scratch;
        var logits = scratch.Rent(ScratchSlot.RouterLogits, DType.F32, [tokens, expertCount]);
        router.Forward(stream, x, logits);
        var experts = scratch.Rent(ScratchSlot.ExpertIds, DType.I32, [tokens, expertsPerToken]);
        var weights = scratch.Rent(ScratchSlot.ExpertWeights, DType.F32, [tokens, expertsPerToken]);
        Ops.MoeRoute(stream, logits, expertsPerToken, renormalize: true, experts, weights);

        var sorted = scratch.Rent(ScratchSlot.SortedRows, DType.I32, [rows]);
        var offsets = scratch.Rent(ScratchSlot.ExpertOffsets, DType.I32, [expertCount + 1]);
        var positions = scratch.Rent(ScratchSlot.RowPositions, DType.I32, [tokens, expertsPerToken]);
        Ops.MoeSort(stream, experts, expertCount, sorted, offsets, positions);
        var routed = scratch.Rent(ScratchSlot.RoutedRows, x.DType, [rows, x.Size(1)]);
        Ops.MoeGather(stream, x, sorted, expertsPerToken, routed);

        var gated = scratch.Rent(ScratchSlot.Gate, x.DType, [rows, gate.OutFeatures]);
        var upped = scratch.Rent(ScratchSlot.Up, x.DType, [rows, up.OutFeatures]);
        gate.Forward(stream, routed, offsets, gated);
        up.Forward(stream, routed, offsets, upped);
        Ops.ActivateGated(stream, Activation.Silu, gated, upped, gated);
        var outputs = scratch.Rent(ScratchSlot.ExpertOutputs, x.DType, [rows, down.OutFeatures]);
        down.Forward(stream, gated, offsets, outputs);
        Ops.MoeCombine(stream, outputs, positions, weights, experts, y);
    }

    public void Dispose()
    {
        router.Dispose();
        gate.Dispose();
        up.Dispose();
        down.Dispose();
    }
}
