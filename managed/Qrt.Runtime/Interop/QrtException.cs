namespace Qrt.Runtime.Interop;

/// <summary>
/// A libqrt call failed. <see cref="Exception.Message"/> is the library's own message, which names the
/// function and the offending argument; <see cref="Status"/> says what kind of failure it was.
/// </summary>
public class QrtException : Exception
{
    /// <summary>Creates an exception for a failed call.</summary>
    public QrtException(QrtStatus status, string message)
        : base(message)
    {
        Status = status;
    }

    /// <summary>Creates an exception that is not tied to a status code.</summary>
    public QrtException(string message)
        : this(QrtStatus.InternalError, message)
    {
    }

    /// <summary>Creates an exception that is not tied to a status code.</summary>
    public QrtException(string message, Exception innerException)
        : base(message, innerException)
    {
        Status = QrtStatus.InternalError;
    }

    /// <summary>Creates an exception with no message.</summary>
    public QrtException()
        : this(QrtStatus.InternalError, "libqrt call failed")
    {
    }

    /// <summary>The status libqrt returned.</summary>
    public QrtStatus Status { get; }
}
