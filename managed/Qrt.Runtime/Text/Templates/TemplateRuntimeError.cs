namespace Qrt.Runtime.Text.Templates;

/// <summary>
/// An error raised while evaluating, before its place in the template is known: the innermost node being evaluated
/// stamps its offset, and rendering turns the error into a <see cref="TemplateException" /> quoting that place.
/// </summary>
internal sealed class TemplateRuntimeError : Exception
{
    public TemplateRuntimeError(string message, bool raisedByTemplate = false)
        : base(message)
    {
        RaisedByTemplate = raisedByTemplate;
    }

    /// <summary>Offset of the node that failed, or -1 until a node claims it.</summary>
    public int Offset { get; set; } = -1;

    /// <summary>True when the template called raise_exception.</summary>
    public bool RaisedByTemplate { get; }

    /// <summary>Converts to the public exception, located in <paramref name="source" />.</summary>
    public TemplateException ToTemplateException(TemplateSource source)
        => RaisedByTemplate
            ? new TemplateRaisedException(source, Math.Max(Offset, 0), Message)
            : new TemplateException(source, Math.Max(Offset, 0), Message, this);
}
