using Qrt.Runtime.Layers;

namespace Qrt.Runtime.Models.Decoder;

/// <summary>The second half of a block: a dense MLP or a mixture of experts, from x [T, hidden] to y [T, hidden].</summary>
internal interface IFeedForward : IDisposable
{
    /// <summary>Each linear layer's scheme, in the order of the plan's linears, for summaries.</summary>
    IEnumerable<string> LinearSchemes { get; }

    /// <summary>Computes y from x on the stream.</summary>
    void Forward(QrtStream stream, QrtTensor x, QrtTensor y);
}
