namespace Qrt.Runtime.Text.Templates;

/// <summary>
/// A chat template could not be parsed or rendered: a syntax error, a construct the interpreter does not support,
/// or an error while rendering (an undefined value used in arithmetic, a wrong argument to a filter). The message
/// names the template's origin (its file, where it came from one), the line and column, and quotes the source line
/// with a caret under the fault.
/// </summary>
public class TemplateException : Exception
{
    /// <summary>Creates an exception with no location.</summary>
    public TemplateException()
    {
        Problem = string.Empty;
    }

    /// <summary>Creates an exception with a message and no location.</summary>
    public TemplateException(string message)
        : base(message)
    {
        Problem = message;
    }

    /// <summary>Creates an exception with a message, a cause and no location.</summary>
    public TemplateException(string message, Exception innerException)
        : base(message, innerException)
    {
        Problem = message;
    }

    internal TemplateException(TemplateSource source, int offset, string problem, Exception? innerException = null)
        : base(source.Describe(offset, problem), innerException)
    {
        (Line, Column) = source.Locate(offset);
        Origin = source.Origin;
        Problem = problem;
    }

    /// <summary>Where the template came from (a file path, or a description), or null when it was given as text.</summary>
    public string? Origin { get; }

    /// <summary>The 1-based line of the fault in the template, or 0 when unknown.</summary>
    public int Line { get; }

    /// <summary>The 1-based column of the fault in the template, or 0 when unknown.</summary>
    public int Column { get; }

    /// <summary>What went wrong, without the location.</summary>
    public string Problem { get; }
}
