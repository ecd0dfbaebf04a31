namespace Qrt.Runtime.Text.Templates;

/// <summary>
/// Python's <c>==</c> on template values: numbers by value across int, float and bool, strings by code units,
/// lists and tuples element by element (a list never equals a tuple), dicts by their entries, undefined equal to
/// undefined, everything else by identity. Also the matching hash for dict keys.
/// </summary>
internal static class PythonEquality
{
    public static readonly IEqualityComparer<object> KeyComparer = new PythonKeyComparer();

    public static bool AreEqual(object? left, object? right)
    {
        if (ReferenceEquals(left, right))
        {
            return true;
        }

        if (TemplateValues.IsNumber(left) && TemplateValues.IsNumber(right))
        {
            return left is double || right is double
                ? TemplateValues.ToDouble(left) == TemplateValues.ToDouble(right)
                : TemplateValues.ToLong(left) == TemplateValues.ToLong(right);
        }

        return (left, right) switch
        {
            (string a, string b) => string.Equals(a, b, StringComparison.Ordinal),
            (Undefined, Undefined) => true,
            (object?[] a, object?[] b) => SequenceEqual(a, b),
            (List<object?> a, List<object?> b) => SequenceEqual(a, b),
            (DictValue a, DictValue b) => DictEqual(a, b),
            _ => false,
        };
    }

    private static bool SequenceEqual(IReadOnlyList<object?> a, IReadOnlyList<object?> b)
    {
        if (a.Count != b.Count)
        {
            return false;
        }

        for (var i = 0; i < a.Count; i++)
        {
            if (!AreEqual(a[i], b[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static bool DictEqual(DictValue a, DictValue b)
    {
        if (a.Count != b.Count)
        {
            return false;
        }

        foreach (var pair in a)
        {
            if (!b.TryGetValue(pair.Key, out var other) || !AreEqual(pair.Value, other))
            {
                return false;
            }
        }

        return true;
    }

    private sealed class PythonKeyComparer : IEqualityComparer<object>
    {
        public new bool Equals(object? x, object? y) => AreEqual(x, y);

        public int GetHashCode(object obj) => obj switch
        {
            bool flag => flag ? 1 : 0,
            long integer => integer.GetHashCode(),
            double number when number == Math.Floor(number) && Math.Abs(number) < 9.2e18 => ((long)number).GetHashCode(),
            double number => number.GetHashCode(),
            string text => StringComparer.Ordinal.GetHashCode(text),
            object?[] tuple => tuple.Aggregate(17, (hash, item) => (hash * 31) + (item is null ? 0 : GetHashCode(item))),
            List<object?> or DictValue => throw new TemplateRuntimeError($"unhashable type: '{TemplateValues.TypeName(obj)}'"),
            _ => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(obj),
        };
    }
}
