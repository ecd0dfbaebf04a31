namespace Qrt.Runtime.Text.Templates;

/// <summary>A filter: the value on the left of <c>|</c> and the filter's arguments.</summary>
internal delegate object? FilterFunction(object? value, ArgumentReader arguments);

/// <summary>
/// The filters templates may use, by name. An unknown name is an error when the filter is applied (as in Jinja 3,
/// so untaken branches may name filters that do not exist), with a message that says whether Jinja has the
/// filter but Qrt does not support it.
/// </summary>
internal static class Filters
{
    private static readonly Dictionary<string, FilterFunction> Table = Build();

    // Jinja built-in filters left out: no chat template needs them.
    private static readonly HashSet<string> Unsupported = new(StringComparer.Ordinal)
    {
        "center", "filesizeformat", "forceescape", "format", "groupby", "pprint", "random", "slice", "striptags",
        "truncate", "urlencode", "urlize", "wordwrap", "xmlattr",
    };

    public static bool Contains(string name) => Table.ContainsKey(name);

    public static string DescribeUnknown(string name)
        => Unsupported.Contains(name)
            ? $"the filter '{name}' is not supported in chat templates"
            : $"no filter named '{name}'";

    public static object? Apply(string name, object? value, CallArguments arguments)
    {
        if (!Table.TryGetValue(name, out var filter))
        {
            throw new TemplateRuntimeError(DescribeUnknown(name));
        }

        var reader = new ArgumentReader(name, arguments);
        var result = filter(value, reader);
        reader.Finish();
        return result;
    }

    private static Dictionary<string, FilterFunction> Build()
    {
        var table = new Dictionary<string, FilterFunction>(StringComparer.Ordinal);
        StringFilters.Register(table);
        SequenceFilters.Register(table);
        ValueFilters.Register(table);
        return table;
    }
}
