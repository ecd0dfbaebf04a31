using System.Runtime.InteropServices;
using Qrt.Bindings;

namespace Qrt.Runtime.Interop;

/// <summary>Owns a native <c>qrt_graph</c>, the executable graph a stream capture made.</summary>
internal sealed class GraphHandle : SafeHandle
{
    public GraphHandle()
        : base(0, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == 0;

    /// <summary>Takes ownership of a graph that <c>qrt_stream_end_capture</c> returned.</summary>
    public static unsafe GraphHandle Own(qrt_graph* graph)
    {
        var owned = new GraphHandle();
        owned.SetHandle((nint)graph);
        return owned;
    }

    protected override unsafe bool ReleaseHandle() =>
        QrtNative.qrt_graph_destroy((qrt_graph*)handle) == qrt_status.QRT_STATUS_OK;
}
