namespace Qrt.Runtime.Text.Templates;

/// <summary>
/// The object <c>namespace(...)</c> returns: the one value whose attributes a template may assign
/// (<c>{% set ns.count = ns.count + 1 %}</c>), which is how state leaves a loop body.
/// </summary>
internal sealed class NamespaceValue : IAttributeSource
{
    public OrderedDictionary<string, object?> Attributes { get; } = new(StringComparer.Ordinal);

    public object? GetAttribute(string name)
        => Attributes.TryGetValue(name, out var value) ? value : new Undefined($"'Namespace' object has no attribute '{name}'");
}
