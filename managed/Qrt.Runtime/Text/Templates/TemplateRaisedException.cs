namespace Qrt.Runtime.Text.Templates;

/// <summary>
/// The template itself refused the input by calling <c>raise_exception(message)</c>, as chat templates do when, for
/// example, conversation roles do not alternate. <see cref="TemplateMessage" /> is the template's own message.
/// </summary>
public sealed class TemplateRaisedException : TemplateException
{
    /// <summary>Creates an exception with no location.</summary>
    public TemplateRaisedException()
    {
        TemplateMessage = string.Empty;
    }

    /// <summary>Creates an exception carrying <paramref name="message" /> as the template's message.</summary>
    public TemplateRaisedException(string message)
        : base(message)
    {
        TemplateMessage = message;
    }

    /// <summary>Creates an exception carrying <paramref name="message" />, with a cause.</summary>
    public TemplateRaisedException(string message, Exception innerException)
        : base(message, innerException)
    {
        TemplateMessage = message;
    }

    internal TemplateRaisedException(TemplateSource source, int offset, string templateMessage)
        : base(source, offset, $"the template raised an error: {templateMessage}")
    {
        TemplateMessage = templateMessage;
    }

    /// <summary>The message the template passed to <c>raise_exception</c>.</summary>
    public string TemplateMessage { get; }
}
