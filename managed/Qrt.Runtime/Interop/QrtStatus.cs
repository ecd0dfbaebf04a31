using Qrt.Bindings;

namespace Qrt.Runtime.Interop;

/// <summary>The outcome of a libqrt call (mirrors <c>qrt_status</c>).</summary>
public enum QrtStatus
{
    /// <summary>The call succeeded.</summary>
    Ok = qrt_status.QRT_STATUS_OK,

    /// <summary>An argument was null, out of range, or inconsistent with another argument.</summary>
    InvalidArgument = qrt_status.QRT_STATUS_INVALID_ARGUMENT,

    /// <summary>The arguments are valid but this build or backend does not implement the combination.</summary>
    Unsupported = qrt_status.QRT_STATUS_UNSUPPORTED,

    /// <summary>Host or device memory could not be allocated.</summary>
    OutOfMemory = qrt_status.QRT_STATUS_OUT_OF_MEMORY,

    /// <summary>The backend is not compiled in, or no device of it is present.</summary>
    BackendUnavailable = qrt_status.QRT_STATUS_BACKEND_UNAVAILABLE,

    /// <summary>The device or its driver reported an error.</summary>
    DeviceError = qrt_status.QRT_STATUS_DEVICE_ERROR,

    /// <summary>An internal invariant of libqrt failed.</summary>
    InternalError = qrt_status.QRT_STATUS_INTERNAL_ERROR,
}
