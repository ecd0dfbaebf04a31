namespace Qrt.Runtime.Text.Templates;

/// <summary>
/// Python's ordering (<c>&lt;</c>, <c>&gt;</c>, sorting): numbers with numbers, strings with strings by code
/// point, lists with lists and tuples with tuples element by element. Anything else is a TypeError in Python and
/// an error here.
/// </summary>
internal static class PythonOrdering
{
    public static int Compare(object? left, object? right)
    {
        Undefined.RejectOperands(left, right);

        if (TemplateValues.IsNumber(left) && TemplateValues.IsNumber(right))
        {
            return left is double || right is double
                ? TemplateValues.ToDouble(left).CompareTo(TemplateValues.ToDouble(right))
                : TemplateValues.ToLong(left).CompareTo(TemplateValues.ToLong(right));
        }

        return (left, right) switch
        {
            (string a, string b) => CompareCodePoints(a, b),
            (List<object?> a, List<object?> b) => CompareSequences(a, b),
            (object?[] a, object?[] b) => CompareSequences(a, b),
            _ => throw new TemplateRuntimeError(
                $"'<' not supported between instances of '{TemplateValues.TypeName(left)}' and '{TemplateValues.TypeName(right)}'"),
        };
    }

    /// <summary>Ordinal comparison by code point (UTF-16 order differs above U+FFFF).</summary>
    public static int CompareCodePoints(string a, string b)
    {
        var i = 0;
        var j = 0;
        while (i < a.Length && j < b.Length)
        {
            var x = char.IsHighSurrogate(a[i]) && i + 1 < a.Length && char.IsLowSurrogate(a[i + 1]) ? char.ConvertToUtf32(a[i], a[i + 1]) : a[i];
            var y = char.IsHighSurrogate(b[j]) && j + 1 < b.Length && char.IsLowSurrogate(b[j + 1]) ? char.ConvertToUtf32(b[j], b[j + 1]) : b[j];
            if (x != y)
            {
                return x < y ? -1 : 1;
            }

            i += x > 0xFFFF ? 2 : 1;
            j += y > 0xFFFF ? 2 : 1;
        }

        return (a.Length - i).CompareTo(b.Length - j);
    }

    private static int CompareSequences(IReadOnlyList<object?> a, IReadOnlyList<object?> b)
    {
        for (var i = 0; i < Math.Min(a.Count, b.Count); i++)
        {
            if (!PythonEquality.AreEqual(a[i], b[i]))
            {
                return Compare(a[i], b[i]);
            }
        }

        return a.Count.CompareTo(b.Count);
    }
}
