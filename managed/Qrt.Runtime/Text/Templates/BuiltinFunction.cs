namespace Qrt.Runtime.Text.Templates;

/// <summary>A function implemented in C#: a global such as <c>range</c>, or a bound method such as <c>str.split</c>.</summary>
internal sealed class BuiltinFunction : ICallable
{
    private readonly Func<ArgumentReader, object?> _body;

    public BuiltinFunction(string name, Func<ArgumentReader, object?> body)
    {
        Name = name;
        _body = body;
    }

    public string Name { get; }

    public object? Invoke(CallArguments arguments) => _body(new ArgumentReader(Name, arguments));

    /// <summary>A method that exists on the value but would modify it, which templates may not do.</summary>
    public static BuiltinFunction Refused(string typeName, string method)
        => new($"{typeName}.{method}", _ => throw new TemplateRuntimeError(
            $"{typeName}.{method}() would modify the {typeName}; templates render with immutable values"));
}
