namespace Qrt.Runtime.Text.Templates;

/// <summary>The methods of lists and tuples: <c>index</c> and <c>count</c>; the mutating ones are refused.</summary>
internal static class SequenceMethods
{
    private static readonly HashSet<string> Mutators = new(StringComparer.Ordinal)
    {
        "append", "extend", "insert", "pop", "remove", "reverse", "sort", "clear",
    };

    public static ICallable? Find(IReadOnlyList<object?> sequence, string name) => name switch
    {
        "count" => new BuiltinFunction("list.count", arguments =>
        {
            var value = arguments.Required("value");
            arguments.Finish();
            return (long)sequence.Count(item => PythonEquality.AreEqual(item, value));
        }),
        "index" => new BuiltinFunction("list.index", arguments =>
        {
            var value = arguments.Required("value");
            arguments.Finish();
            for (var i = 0; i < sequence.Count; i++)
            {
                if (PythonEquality.AreEqual(sequence[i], value))
                {
                    return (long)i;
                }
            }

            throw new TemplateRuntimeError($"{PythonText.Repr(value)} is not in list");
        }),
        _ when Mutators.Contains(name) => BuiltinFunction.Refused(sequence is object?[] ? "tuple" : "list", name),
        _ => null,
    };
}
