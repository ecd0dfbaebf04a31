using Qrt.Runtime.Layers;

namespace Qrt.Runtime.Models.Decoder;

/// <summary>The SwiGLU MLP of Llama-family blocks: y = down(silu(gate(x)) · up(x)).</summary>
internal sealed class GatedMlp(ILinear gate, ILinear up, ILinear down) : IFeedForward
{
    /// <inheritdoc />
    public IEnumerable<string> LinearSchemes => [gate.Scheme, up.Scheme, down.Scheme];

    /// <summary>The gate, up and down projections.</summary>
    public IReadOnlyList<ILinear> Linears => [gate, up, down];

    /// <inheritdoc />
    public void Forward(QrtStream stream, QrtTensor x, QrtTensor y)
    {
        var tokens = x.Size(0);
        var width = gate.OutFeatures;
        var gated = stream.Scratch.Rent(ScratchSlot.Gate, x.DType, [tokens, width]);
        var upped = stream.Scratch.Rent(ScratchSlot.Up, x.DType, [tokens, width]);
        gate.Forward(stream, x, gated);
        up.Forward(stream, x, upped);
        Ops.ActivateGated(stream, Activation.Silu, gated, upped, gated);
        down.Forward(stream, gated, y);
    }

    public void Dispose()
    {
        gate.Dispose();
        up.Dispose();
        down.Dispose();
    }
}
