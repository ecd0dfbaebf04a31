namespace Qrt.Runtime.Text.Templates;

/// <summary>
/// Jinja's default undefined value: a missing variable, attribute or item. It prints as nothing, is false, has
/// length 0 and iterates as empty; attributes and items of it are undefined too. Arithmetic, comparison and calls
/// on it fail with a message that says what was undefined.
/// </summary>
internal sealed class Undefined
{
    public Undefined(string reason)
    {
        Reason = reason;
    }

    /// <summary>Why the value is undefined, e.g. "'foo' is undefined" or "'dict object' has no attribute 'x'".</summary>
    public string Reason { get; }

    public override string ToString() => string.Empty;

    /// <summary>Fails, saying what was undefined, if either operand of an arithmetic or comparison is undefined.</summary>
    public static void RejectOperands(object? left, object? right)
    {
        if (left is Undefined undefinedLeft)
        {
            throw new TemplateRuntimeError(undefinedLeft.Reason);
        }

        if (right is Undefined undefinedRight)
        {
            throw new TemplateRuntimeError(undefinedRight.Reason);
        }
    }
}
