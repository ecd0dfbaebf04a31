using System.Runtime.InteropServices;
using Qrt.Bindings;

namespace Qrt.Runtime.Interop;

/// <summary>Owns a block of memory from <c>qrt_malloc</c> on one device and frees it with <c>qrt_free</c>.</summary>
internal sealed class DeviceBuffer : SafeHandle
{
    public DeviceBuffer()
        : base(0, ownsHandle: true)
    {
    }

    /// <summary>The device the memory lives on.</summary>
    public Device Device { get; private init; }

    /// <summary>Size of the allocation in bytes.</summary>
    public long ByteLength { get; private init; }

    public override bool IsInvalid => handle == 0;

    public static unsafe DeviceBuffer Allocate(Device device, long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        QrtNativeLibrary.EnsureLoaded();
        void* memory;
        NativeStatus.Check(QrtNative.qrt_malloc(device.ToNative(), (nuint)bytes, &memory));
        var buffer = new DeviceBuffer { Device = device, ByteLength = bytes };
        buffer.SetHandle((nint)memory);
        return buffer;
    }

    protected override unsafe bool ReleaseHandle() =>
        QrtNative.qrt_free(Device.ToNative(), (void*)handle) == qrt_status.QRT_STATUS_OK;
}
