namespace Qrt.Runtime.Text.Templates;

/// <summary>A Jinja test (<c>value is name(arguments)</c>).</summary>
internal delegate bool TestFunction(object? value, ArgumentReader arguments);

/// <summary>The Jinja tests templates may use, by name, with Python's semantics (true is a number, not an integer).</summary>
internal static class TestFunctions
{
    private static readonly Dictionary<string, TestFunction> Table = Build();

    public static bool Contains(string name) => Table.ContainsKey(name);

    public static string DescribeUnknown(string name)
        => name == "escaped"
            ? "the test 'escaped' is not supported in chat templates"
            : $"no test named '{name}'";

    public static bool Apply(string name, object? value, CallArguments arguments)
    {
        if (!Table.TryGetValue(name, out var test))
        {
            throw new TemplateRuntimeError(DescribeUnknown(name));
        }

        var reader = new ArgumentReader(name, arguments);
        var result = test(value, reader);
        reader.Finish();
        return result;
    }

    private static Dictionary<string, TestFunction> Build()
    {
        var table = new Dictionary<string, TestFunction>(StringComparer.Ordinal)
        {
            ["defined"] = (value, _) => value is not Undefined,
            ["undefined"] = (value, _) => value is Undefined,
            ["none"] = (value, _) => value is null,
            ["boolean"] = (value, _) => value is bool,
            ["true"] = (value, _) => value is true,
            ["false"] = (value, _) => value is false,
            ["integer"] = (value, _) => value is long,
            ["float"] = (value, _) => value is double,
            ["number"] = (value, _) => TemplateValues.IsNumber(value),
            ["string"] = (value, _) => value is string,
            ["mapping"] = (value, _) => value is DictValue,
            ["sequence"] = (value, _) => value is string or DictValue || TemplateValues.IsSequence(value),
            ["iterable"] = (value, _) => value is string or DictValue or Undefined || TemplateValues.IsSequence(value),
            ["callable"] = (value, _) => value is ICallable,
            ["lower"] = (value, _) => PythonText.IsCased(PythonText.Str(value), upper: false),
            ["upper"] = (value, _) => PythonText.IsCased(PythonText.Str(value), upper: true),
            ["even"] = (value, _) => IsTrue(PythonArithmetic.Apply("%", value, 2L), 0L),
            ["odd"] = (value, _) => IsTrue(PythonArithmetic.Apply("%", value, 2L), 1L),
            ["divisibleby"] = (value, a) => IsTrue(PythonArithmetic.Apply("%", value, a.Required("num")), 0L),
            ["sameas"] = (value, a) => SameAs(value, a.Required("other")),
            ["in"] = (value, a) => Operators.Contains(a.Required("seq"), value),
            ["filter"] = (value, _) => value is string name && Filters.Contains(name),
            ["test"] = (value, _) => value is string name && Contains(name),
        };

        TestFunction equal = (value, a) => PythonEquality.AreEqual(value, a.Required("other"));
        TestFunction notEqual = (value, a) => !PythonEquality.AreEqual(value, a.Required("other"));
        TestFunction less = (value, a) => PythonOrdering.Compare(value, a.Required("other")) < 0;
        TestFunction lessOrEqual = (value, a) => PythonOrdering.Compare(value, a.Required("other")) <= 0;
        TestFunction greater = (value, a) => PythonOrdering.Compare(value, a.Required("other")) > 0;
        TestFunction greaterOrEqual = (value, a) => PythonOrdering.Compare(value, a.Required("other")) >= 0;
        foreach (var name in new[] { "eq", "equalto", "==" })
        {
            table[name] = equal;
        }

        table["ne"] = table["!="] = notEqual;
        table["lt"] = table["lessthan"] = table["<"] = less;
        table["le"] = table["<="] = lessOrEqual;
        table["gt"] = table["greaterthan"] = table[">"] = greater;
        table["ge"] = table[">="] = greaterOrEqual;
        return table;
    }

    private static bool IsTrue(object? remainder, long expected) => PythonEquality.AreEqual(remainder, expected);

    private static bool SameAs(object? value, object? other) => (value, other) switch
    {
        (null, null) => true,
        (bool a, bool b) => a == b,
        (long a, long b) => a == b && a is >= -5 and <= 256,
        _ => ReferenceEquals(value, other),
    };
}
