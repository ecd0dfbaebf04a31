using Qrt.Bindings;
using Qrt.Runtime.Interop;

namespace Qrt.Runtime;

/// <summary>
/// A fixed sequence of work captured on a CUDA stream (<see cref="QrtStream.BeginCapture"/> …
/// <see cref="QrtStream.EndCapture"/>), replayed by <see cref="Launch"/> with the same tensors, shapes and scalars:
/// write new inputs into the same device tensors before each launch. Dispose it to free the native graph.
/// </summary>
public sealed class QrtGraph : IDisposable
{
    private readonly GraphHandle _handle;

    internal QrtGraph(GraphHandle handle, Device device)
    {
        _handle = handle;
        Device = device;
    }

    /// <summary>The device the graph was captured on; it replays on streams of that device.</summary>
    public Device Device { get; }

    /// <summary>Enqueues a replay on a stream of the graph's device; it runs asynchronously, in the stream's order.</summary>
    public unsafe void Launch(QrtStream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var added = false;
        _handle.DangerousAddRef(ref added);
        try
        {
            using var call = new NativeCall(stream);
            NativeStatus.Check(QrtNative.qrt_graph_launch(call.Stream, (qrt_graph*)_handle.DangerousGetHandle()));
        }
        finally
        {
            if (added)
            {
                _handle.DangerousRelease();
            }
        }
    }

    /// <inheritdoc />
    public void Dispose() => _handle.Dispose();
}
