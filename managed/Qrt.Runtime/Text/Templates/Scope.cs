namespace Qrt.Runtime.Text.Templates;

/// <summary>
/// Variables visible at one point of a template. Loop iterations, macro calls and <c>with</c> blocks open a child
/// scope; assignments always go to the innermost scope, so a <c>set</c> inside a loop never leaks out of it.
/// </summary>
internal sealed class Scope
{
    private readonly Dictionary<string, object?> _variables = new(StringComparer.Ordinal);

    public Scope(Scope? parent)
    {
        Parent = parent;
    }

    public Scope? Parent { get; }

    public object? Lookup(string name)
    {
        for (var scope = this; scope is not null; scope = scope.Parent)
        {
            if (scope._variables.TryGetValue(name, out var value))
            {
                return value;
            }
        }

        return new Undefined($"'{name}' is undefined");
    }

    public void Set(string name, object? value) => _variables[name] = value;
}
