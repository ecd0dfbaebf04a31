namespace Qrt.Runtime.Text.Templates;

/// <summary>The methods of a dict a template may call: <c>items</c>, <c>keys</c>, <c>values</c>, <c>get</c>, <c>copy</c>.</summary>
internal static class DictMethods
{
    private static readonly HashSet<string> Mutators = new(StringComparer.Ordinal)
    {
        "update", "pop", "popitem", "setdefault", "clear",
    };

    /// <summary>The bound method <paramref name="name" />, or null when dicts have no such method.</summary>
    public static ICallable? Find(DictValue dict, string name) => name switch
    {
        "items" => new BuiltinFunction("dict.items", arguments => NoArguments(arguments, () => Items(dict))),
        "keys" => new BuiltinFunction("dict.keys", arguments => NoArguments(arguments, () => dict.Keys.ToList<object?>())),
        "values" => new BuiltinFunction("dict.values", arguments => NoArguments(arguments, () => dict.Values.ToList())),
        "copy" => new BuiltinFunction("dict.copy", arguments => NoArguments(arguments, () => Copy(dict))),
        "get" => new BuiltinFunction("dict.get", arguments =>
        {
            var key = arguments.Required("key");
            var fallback = arguments.Next("default");
            arguments.Finish();
            return dict.TryFind(key, out var value) ? value : fallback;
        }),
        _ when Mutators.Contains(name) => BuiltinFunction.Refused("dict", name),
        _ => null,
    };

    /// <summary>The entries as a list of (key, value) tuples.</summary>
    public static List<object?> Items(DictValue dict) => dict.Select(pair => (object?)new object?[] { pair.Key, pair.Value }).ToList();

    private static DictValue Copy(DictValue dict)
    {
        var copy = new DictValue();
        foreach (var pair in dict)
        {
            copy[pair.Key] = pair.Value;
        }

        return copy;
    }

    private static object? NoArguments(ArgumentReader arguments, Func<object?> body)
    {
        arguments.Finish();
        return body();
    }
}
