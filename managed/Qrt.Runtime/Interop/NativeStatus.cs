using System.Runtime.InteropServices;
using Qrt.Bindings;

namespace Qrt.Runtime.Interop;

/// <summary>The one place where a native status becomes an exception.</summary>
internal static class NativeStatus
{
    /// <summary>Throws <see cref="QrtException"/> with the library's message unless the call succeeded.</summary>
    public static void Check(qrt_status status)
    {
        if (status != qrt_status.QRT_STATUS_OK)
        {
            throw new QrtException((QrtStatus)status, LastError());
        }
    }

    /// <summary>The message of the most recent failed call on this thread.</summary>
    public static unsafe string LastError() =>
        Marshal.PtrToStringUTF8((nint)QrtNative.qrt_last_error()) ?? string.Empty;

    /// <summary>Reads a NUL-terminated UTF-8 string from a fixed-size native buffer.</summary>
    public static unsafe string FromFixedBuffer(byte* buffer, int capacity) =>
        Marshal.PtrToStringUTF8((nint)buffer, new ReadOnlySpan<byte>(buffer, capacity).IndexOf((byte)0) is var end and >= 0 ? end : capacity);
}
