namespace Qrt.Runtime.Text.Templates;

/// <summary>Comparison operators and membership (<c>in</c>), with Python's semantics.</summary>
internal static class Operators
{
    public static bool Compare(string op, object? left, object? right) => op switch
    {
        "==" => PythonEquality.AreEqual(left, right),
        "!=" => !PythonEquality.AreEqual(left, right),
        "<" => PythonOrdering.Compare(left, right) < 0,
        "<=" => PythonOrdering.Compare(left, right) <= 0,
        ">" => PythonOrdering.Compare(left, right) > 0,
        ">=" => PythonOrdering.Compare(left, right) >= 0,
        "in" => Contains(right, left),
        "not in" => !Contains(right, left),
        _ => throw new InvalidOperationException(op),
    };

    /// <summary>Python's <c>item in container</c>.</summary>
    public static bool Contains(object? container, object? item) => container switch
    {
        string text when item is string part => text.Contains(part, StringComparison.Ordinal),
        string when item is Undefined undefined => throw new TemplateRuntimeError(undefined.Reason),
        string => throw new TemplateRuntimeError($"'in <string>' requires string as left operand, not {TemplateValues.TypeName(item)}"),
        DictValue dict => dict.TryFind(item, out _),
        List<object?> or object?[] => ((IReadOnlyList<object?>)container).Any(element => PythonEquality.AreEqual(element, item)),
        Undefined => false,
        _ => throw new TemplateRuntimeError($"argument of type '{TemplateValues.TypeName(container)}' is not iterable"),
    };
}
