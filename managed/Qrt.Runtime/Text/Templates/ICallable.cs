namespace Qrt.Runtime.Text.Templates;

/// <summary>A value a template can call: a global function, a bound method of a value, a macro.</summary>
internal interface ICallable
{
    /// <summary>The name used in messages.</summary>
    string Name { get; }

    /// <summary>Calls with already evaluated arguments.</summary>
    object? Invoke(CallArguments arguments);
}

/// <summary>Evaluated call arguments: positional values and keyword values in the order written.</summary>
internal sealed class CallArguments
{
    public static readonly CallArguments None = new([], []);

    public CallArguments(IReadOnlyList<object?> positional, IReadOnlyList<KeyValuePair<string, object?>> keywords)
    {
        Positional = positional;
        Keywords = keywords;
    }

    public IReadOnlyList<object?> Positional { get; }

    public IReadOnlyList<KeyValuePair<string, object?>> Keywords { get; }
}
