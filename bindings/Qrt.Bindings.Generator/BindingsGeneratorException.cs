namespace Qrt.Bindings.Generator;

/// <summary>
/// A failure the generator reports as one clear message: clang missing or failing, or a C construct in the
/// header that has no exact blittable C# equivalent.
/// </summary>
public sealed class BindingsGeneratorException : Exception
{
    /// <summary>Creates the exception with no message.</summary>
    public BindingsGeneratorException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What went wrong, naming the declaration or tool involved.</param>
    public BindingsGeneratorException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    /// <param name="message">What went wrong, naming the declaration or tool involved.</param>
    /// <param name="innerException">The underlying failure.</param>
    public BindingsGeneratorException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
