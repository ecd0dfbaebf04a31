namespace Qrt.Runtime.Interop;

/// <summary>
/// libqrt could not be loaded, or the library found was built from a different header. The message lists
/// every place that was searched and why each candidate was rejected.
/// </summary>
public sealed class QrtLibraryLoadException : Exception
{
    /// <summary>Creates the exception with a full report.</summary>
    public QrtLibraryLoadException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a full report and the underlying cause.</summary>
    public QrtLibraryLoadException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a generic message.</summary>
    public QrtLibraryLoadException()
        : base("libqrt could not be loaded")
    {
    }
}
