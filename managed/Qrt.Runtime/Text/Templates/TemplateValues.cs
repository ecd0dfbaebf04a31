namespace Qrt.Runtime.Text.Templates;

/// <summary>
/// The questions every part of the interpreter asks of a template value, answered as Python answers them:
/// truthiness, type name, iteration, length, and numeric conversion.
/// </summary>
internal static class TemplateValues
{
    public static bool IsTrue(object? value) => value switch
    {
        null => false,
        bool flag => flag,
        long integer => integer != 0,
        double number => number != 0,
        string text => text.Length > 0,
        Undefined => false,
        List<object?> list => list.Count > 0,
        object?[] tuple => tuple.Length > 0,
        DictValue dict => dict.Count > 0,
        _ => true,
    };

    public static bool IsNumber(object? value) => value is long or double or bool;

    public static bool IsSequence(object? value) => value is List<object?> or object?[];

    public static double ToDouble(object? value) => value switch
    {
        long integer => integer,
        double number => number,
        bool flag => flag ? 1 : 0,
        _ => throw new InvalidOperationException("not a number"),
    };

    public static long ToLong(object? value) => value switch
    {
        long integer => integer,
        bool flag => flag ? 1 : 0,
        _ => throw new InvalidOperationException("not an integer"),
    };

    /// <summary>Python's type name, for messages.</summary>
    public static string TypeName(object? value) => value switch
    {
        null => "NoneType",
        bool => "bool",
        long => "int",
        double => "float",
        string => "str",
        List<object?> => "list",
        object?[] => "tuple",
        DictValue => "dict",
        NamespaceValue => "Namespace",
        LoopContext => "LoopContext",
        Undefined => "Undefined",
        ICallable => "function",
        _ => value.GetType().Name,
    };

    /// <summary>What a for loop or a filter iterates: list and tuple items, string code points, dict keys.</summary>
    public static IReadOnlyList<object?> Iterate(object? value) => value switch
    {
        List<object?> list => list,
        object?[] tuple => tuple,
        string text => PythonText.CodePoints(text).ConvertAll<object?>(point => point),
        DictValue dict => dict.Keys.ToList<object?>(),
        Undefined => [],
        _ => throw new TemplateRuntimeError($"'{TypeName(value)}' object is not iterable"),
    };

    /// <summary>Python's len().</summary>
    public static long Length(object? value) => value switch
    {
        string text => PythonText.CodePointLength(text),
        List<object?> list => list.Count,
        object?[] tuple => tuple.Length,
        DictValue dict => dict.Count,
        NamespaceValue ns => ns.Attributes.Count,
        Undefined => 0,
        _ => throw new TemplateRuntimeError($"object of type '{TypeName(value)}' has no len()"),
    };

    /// <summary>An integer argument (an index, a count), or an error naming the parameter.</summary>
    public static long RequireInteger(object? value, string what) => value switch
    {
        long integer => integer,
        bool flag => flag ? 1 : 0,
        Undefined undefined => throw new TemplateRuntimeError(undefined.Reason),
        _ => throw new TemplateRuntimeError($"{what} must be an integer, not '{TypeName(value)}'"),
    };

    /// <summary>
    /// A width or count that sizes a string (padding, indentation): negative counts as 0, as in Python's
    /// <c>' ' * -1</c>; absurdly large is an error rather than an out-of-memory crash.
    /// </summary>
    public static int RequireWidth(object? value, string what)
    {
        const int maximum = 1_000_000;
        var width = RequireInteger(value, what);
        return width > maximum
            ? throw new TemplateRuntimeError($"{what} {width} is larger than the supported {maximum}")
            : (int)Math.Max(0, width);
    }

    /// <summary>A string argument, or an error naming the parameter.</summary>
    public static string RequireString(object? value, string what) => value switch
    {
        string text => text,
        Undefined undefined => throw new TemplateRuntimeError(undefined.Reason),
        _ => throw new TemplateRuntimeError($"{what} must be a string, not '{TypeName(value)}'"),
    };
}
