using System.Runtime.InteropServices;
using Qrt.Bindings;

namespace Qrt.Runtime.Interop;

/// <summary>Owns a native <c>qrt_stream</c>; destroying it waits for the stream's outstanding work.</summary>
internal sealed class StreamHandle : SafeHandle
{
    public StreamHandle()
        : base(0, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == 0;

    public static unsafe StreamHandle Create(Device device)
    {
        QrtNativeLibrary.EnsureLoaded();
        qrt_stream* stream;
        NativeStatus.Check(QrtNative.qrt_stream_create(device.ToNative(), &stream));
        var owned = new StreamHandle();
        owned.SetHandle((nint)stream);
        return owned;
    }

    protected override unsafe bool ReleaseHandle() =>
        QrtNative.qrt_stream_destroy((qrt_stream*)handle) == qrt_status.QRT_STATUS_OK;
}
