using Qrt.Runtime.Interop;

namespace Qrt.Runtime;

/// <summary>
/// A model does not fit the memory it was given on its device: the message says how much it needs, how much there
/// is, and what to change (a larger memory share, a shorter context).
/// </summary>
public sealed class InsufficientDeviceMemoryException : QrtException
{
    /// <summary>Creates the exception with its explanation.</summary>
    public InsufficientDeviceMemoryException(string message)
        : base(QrtStatus.OutOfMemory, message)
    {
    }

    /// <summary>Creates the exception with a generic explanation.</summary>
    public InsufficientDeviceMemoryException()
        : this("the model does not fit in the device's memory")
    {
    }

    /// <summary>Creates the exception with its explanation and cause.</summary>
    public InsufficientDeviceMemoryException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
