using Qrt.Bindings;
using Qrt.Runtime.Interop;

namespace Qrt.Runtime;

/// <summary>
/// An ordered queue of work on one device. Ops on a CPU stream finish before they return; ops on a CUDA
/// stream are enqueued and run asynchronously until <see cref="Synchronize"/>. Dispose it to release the
/// native stream (it waits for outstanding work).
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "A device stream in the CUDA sense, named after qrt_stream; not a System.IO.Stream.")]
public sealed class QrtStream : IDisposable
{
    private readonly StreamHandle _handle;
    private StreamScratch? _scratch;
    private string? _captureFailure;

    /// <summary>Creates a stream on a device.</summary>
    public QrtStream(Device device)
    {
        _handle = StreamHandle.Create(device);
        Device = device;
    }

    /// <summary>The device every op on this stream runs on.</summary>
    public Device Device { get; }

    /// <summary>Blocks until all enqueued work has finished; reports asynchronous device errors.</summary>
    public unsafe void Synchronize()
    {
        using var call = new NativeCall(this);
        NativeStatus.Check(QrtNative.qrt_stream_synchronize(call.Stream));
    }

    /// <summary>Whether the stream is capturing (between <see cref="BeginCapture"/> and <see cref="EndCapture"/>).</summary>
    public unsafe bool IsCapturing
    {
        get
        {
            using var call = new NativeCall(this);
            int capturing;
            NativeStatus.Check(QrtNative.qrt_stream_is_capturing(call.Stream, &capturing));
            return capturing != 0;
        }
    }

    /// <summary>
    /// Starts recording, not running, the work enqueued on this stream, for <see cref="EndCapture"/> to turn into a
    /// <see cref="QrtGraph"/>. CUDA only: a CPU stream throws <see cref="QrtException"/> with
    /// <see cref="QrtStatus.Unsupported"/>. While capturing, the stream refuses what a graph cannot replay
    /// (synchronising, copies to or from host memory, device allocation on this thread, scratch memory that would
    /// grow), and any such failure makes <see cref="EndCapture"/> throw. Run a step once eagerly at its shape first,
    /// so that its scratch memory is in place.
    /// </summary>
    public unsafe void BeginCapture()
    {
        using var call = new NativeCall(this);
        NativeStatus.Check(QrtNative.qrt_stream_begin_capture(call.Stream));
        _captureFailure = null;
    }

    /// <summary>
    /// Ends the capture and returns the graph of the work it recorded (the caller disposes it). The stream runs eager
    /// work again whatever happens. Throws <see cref="QrtException"/> when a native call failed during the capture or
    /// CUDA cannot instantiate it, and <see cref="InvalidOperationException"/> when managed code refused work during
    /// it (scratch memory that would have grown).
    /// </summary>
    public unsafe QrtGraph EndCapture()
    {
        var failure = _captureFailure;
        _captureFailure = null;
        qrt_graph* graph;
        using (var call = new NativeCall(this))
        {
            NativeStatus.Check(QrtNative.qrt_stream_end_capture(call.Stream, &graph));
        }

        var owned = new QrtGraph(GraphHandle.Own(graph), Device);
        if (failure is not null)
        {
            owned.Dispose();
            throw new InvalidOperationException($"EndCapture: the capture is invalid and was discarded: {failure}");
        }

        return owned;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        // Destroying the native stream waits for its work, which may still use the scratch memory.
        _handle.Dispose();
        _scratch?.Dispose();
        _scratch = null;
    }

    internal StreamHandle Handle => _handle;

    /// <summary>
    /// Marks the open capture invalid for a reason the native library cannot see (work managed code refused to
    /// enqueue); <see cref="EndCapture"/> then discards it. The first reason is kept.
    /// </summary>
    internal void SpoilCapture(string reason) => _captureFailure ??= reason;

    /// <summary>The scratch memory layers borrow on this stream (see <see cref="StreamScratch"/>).</summary>
    internal StreamScratch Scratch => _scratch ??= new StreamScratch(this);
}
