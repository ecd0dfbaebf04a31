using System.Collections.Concurrent;
using Qrt.Bindings;
using Qrt.Runtime.Interop;

namespace Qrt.Runtime;

/// <summary>
/// Synchronous copies between host memory and tensors, and between tensors on different devices. Each
/// runs on a per-device stream kept for the life of the process and waits for completion, so the caller's
/// memory can be reused as soon as a call returns.
/// </summary>
internal static class Transfer
{
    private static readonly ConcurrentDictionary<Device, QrtStream> Streams = new();

    /// <summary>The CPU stream host-side conversions run on.</summary>
    public static QrtStream CpuStream => StreamFor(Device.Cpu);

    public static QrtStream StreamFor(Device device) => Streams.GetOrAdd(device, static d => new QrtStream(d));

    public static unsafe void Upload(ReadOnlySpan<byte> source, QrtTensor destination)
    {
        RequireContiguous(destination, nameof(destination));
        var stream = StreamFor(destination.Device);
        using (var call = new NativeCall(stream, destination))
        {
            fixed (byte* from = source)
            {
                NativeStatus.Check(QrtNative.qrt_memcpy(call.Stream, (void*)destination.DataPointer, destination.Device.ToNative(), from, Device.Cpu.ToNative(), (nuint)source.Length));
            }
        }

        stream.Synchronize();
    }

    /// <summary>
    /// Enqueues a copy of <paramref name="source"/> into <paramref name="destination"/> on <paramref name="stream"/>,
    /// ordered with the ops around it and without waiting: the bytes are taken (staged) before the call returns, so
    /// <paramref name="source"/> may change at once.
    /// </summary>
    public static unsafe void UploadOn<T>(QrtStream stream, ReadOnlySpan<T> source, QrtTensor destination)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(stream);
        RequireContiguous(destination, nameof(destination));
        var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(source);
        if (bytes.Length != destination.ByteCount)
        {
            throw new ArgumentException($"Cannot upload {bytes.Length} bytes into {destination}: sizes differ.", nameof(destination));
        }

        using var call = new NativeCall(stream, destination);
        fixed (byte* from = bytes)
        {
            NativeStatus.Check(QrtNative.qrt_memcpy(call.Stream, (void*)destination.DataPointer, destination.Device.ToNative(), from, Device.Cpu.ToNative(), (nuint)bytes.Length));
        }
    }

    /// <summary>Enqueues filling <paramref name="tensor"/>'s bytes with <paramref name="value"/> on <paramref name="stream"/>, without waiting.</summary>
    public static unsafe void FillOn(QrtStream stream, QrtTensor tensor, byte value)
    {
        ArgumentNullException.ThrowIfNull(stream);
        RequireContiguous(tensor, nameof(tensor));
        using var call = new NativeCall(stream, tensor);
        NativeStatus.Check(QrtNative.qrt_memset(call.Stream, (void*)tensor.DataPointer, value, (nuint)tensor.ByteCount));
    }

    public static unsafe void Download(QrtTensor source, Span<byte> destination)
    {
        RequireContiguous(source, nameof(source));
        var stream = StreamFor(source.Device);
        using (var call = new NativeCall(stream, source))
        {
            fixed (byte* to = destination)
            {
                NativeStatus.Check(QrtNative.qrt_memcpy(call.Stream, to, Device.Cpu.ToNative(), (void*)source.DataPointer, source.Device.ToNative(), (nuint)destination.Length));
            }
        }

        stream.Synchronize();
    }

    /// <summary>Copies a contiguous tensor into another of the same byte size, possibly on another device.</summary>
    public static unsafe void Copy(QrtTensor source, QrtTensor destination)
    {
        RequireContiguous(source, nameof(source));
        RequireContiguous(destination, nameof(destination));
        if (source.ByteCount != destination.ByteCount)
        {
            throw new ArgumentException($"Cannot copy {source} into {destination}: sizes differ.", nameof(destination));
        }

        // The GPU side's stream orders the copy; host-to-host copies use the CPU stream.
        var stream = StreamFor(source.Device != Device.Cpu ? source.Device : destination.Device);
        using (var call = new NativeCall(stream, source, destination))
        {
            NativeStatus.Check(QrtNative.qrt_memcpy(call.Stream, (void*)destination.DataPointer, destination.Device.ToNative(), (void*)source.DataPointer, source.Device.ToNative(), (nuint)source.ByteCount));
        }

        stream.Synchronize();
    }

    public static unsafe void Fill(QrtTensor tensor, byte value)
    {
        RequireContiguous(tensor, nameof(tensor));
        var stream = StreamFor(tensor.Device);
        using (var call = new NativeCall(stream, tensor))
        {
            NativeStatus.Check(QrtNative.qrt_memset(call.Stream, (void*)tensor.DataPointer, value, (nuint)tensor.ByteCount));
        }

        stream.Synchronize();
    }

    private static void RequireContiguous(QrtTensor tensor, string name)
    {
        if (!tensor.IsContiguous)
        {
            throw new ArgumentException($"{tensor} must be contiguous for a memory copy.", name);
        }
    }
}
