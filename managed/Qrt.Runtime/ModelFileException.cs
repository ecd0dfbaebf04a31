namespace Qrt.Runtime;

/// <summary>
/// A file of a model directory (tokenizer.json, tokenizer_config.json, a chat template, config.json, a
/// checkpoint) is missing, malformed, or describes something Qrt does not support. The message names the
/// file and, where there is one, the entry at fault.
/// </summary>
public class ModelFileException : Exception
{
    /// <summary>Creates an exception about <paramref name="filePath" />; the message is prefixed with the path.</summary>
    public ModelFileException(string filePath, string problem)
        : base($"{filePath}: {problem}")
    {
        FilePath = filePath;
    }

    /// <summary>Creates an exception about <paramref name="filePath" /> caused by <paramref name="innerException" />.</summary>
    public ModelFileException(string filePath, string problem, Exception innerException)
        : base($"{filePath}: {problem}", innerException)
    {
        FilePath = filePath;
    }

    /// <summary>Creates an exception with no file.</summary>
    public ModelFileException()
    {
        FilePath = string.Empty;
    }

    /// <summary>Creates an exception with a message and no file.</summary>
    public ModelFileException(string message)
        : base(message)
    {
        FilePath = string.Empty;
    }

    /// <summary>Creates an exception with a message, a cause and no file.</summary>
    public ModelFileException(string message, Exception innerException)
        : base(message, innerException)
    {
        FilePath = string.Empty;
    }

    /// <summary>The file at fault, as it was given to the loader.</summary>
    public string FilePath { get; }
}
