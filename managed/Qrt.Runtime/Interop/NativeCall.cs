using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Qrt.Bindings;

namespace Qrt.Runtime.Interop;

/// <summary>
/// Keeps a stream and the memory of the tensors of one native call alive for the call's duration:
/// each SafeHandle is add-ref'd, so a concurrent Dispose cannot free memory under a running kernel, and a
/// tensor that is already disposed fails here with <see cref="ObjectDisposedException"/>.
/// </summary>
internal unsafe ref struct NativeCall
{
    private HandleSlots _handles;
    private int _count;

    public NativeCall(QrtStream? stream, params ReadOnlySpan<QrtTensor?> tensors)
    {
        if (tensors.Length + 1 > HandleSlots.Capacity)
        {
            throw new ArgumentException($"a native call can hold at most {HandleSlots.Capacity - 1} tensors", nameof(tensors));
        }

        try
        {
            if (stream is not null)
            {
                AddRef(stream.Handle);
                Stream = (qrt_stream*)stream.Handle.DangerousGetHandle();
            }

            foreach (var tensor in tensors)
            {
                if (tensor is not null)
                {
                    AddRef(tensor.Buffer);
                }
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The native stream, valid until <see cref="Dispose"/>.</summary>
    public readonly qrt_stream* Stream { get; }

    /// <summary>Releases every handle taken by the constructor.</summary>
    public readonly void Dispose()
    {
        for (var i = 0; i < _count; i++)
        {
            _handles[i]!.DangerousRelease();
        }
    }

    private void AddRef(SafeHandle handle)
    {
        var added = false;
        handle.DangerousAddRef(ref added);
        _handles[_count++] = handle;
    }

    [InlineArray(Capacity)]
    private struct HandleSlots
    {
        public const int Capacity = 10;
        private SafeHandle? _element;
    }
}
