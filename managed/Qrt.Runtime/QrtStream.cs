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

    /// <inheritdoc />
    public void Dispose()
    {
        // Destroying the native stream waits for its work, which may still use the scratch memory.
        _handle.Dispose();
        _scratch?.Dispose();
        _scratch = null;
    }

    internal StreamHandle Handle => _handle;

    /// <summary>The scratch memory layers borrow on this stream (see <see cref="StreamScratch"/>).</summary>
    internal StreamScratch Scratch => _scratch ??= new StreamScratch(this);
}
