namespace Qrt.Runtime.Text.Templates;

/// <summary>
/// <c>value.name</c>, <c>value[key]</c> and slicing, as Jinja resolves them: for <c>.name</c> a Python attribute
/// (a method such as <c>dict.items</c> or <c>str.split</c>) wins over a dict key, for <c>[key]</c> the key wins;
/// whatever is missing is undefined, and so is anything looked up on undefined.
/// </summary>
internal static class AttributeAccess
{
    public static object? GetAttribute(object? target, string name)
    {
        switch (target)
        {
            case Undefined:
                return target;
            case DictValue dict:
                return (object?)DictMethods.Find(dict, name)
                       ?? (dict.TryGetValue(name, out var value) ? value : new Undefined($"'dict object' has no attribute '{name}'"));
            case IAttributeSource source:
                return source.GetAttribute(name);
            case string text:
                return (object?)StringMethods.Find(text, name) ?? MissingAttribute(target, name);
            case List<object?> or object?[]:
                return (object?)SequenceMethods.Find((IReadOnlyList<object?>)target, name) ?? MissingAttribute(target, name);
            default:
                return MissingAttribute(target, name);
        }
    }

    public static object? GetItem(object? target, object? key)
    {
        switch (target)
        {
            case Undefined:
                return target;
            case DictValue dict:
                if (dict.TryFind(key, out var value))
                {
                    return value;
                }

                return key is string name
                    ? (object?)DictMethods.Find(dict, name) ?? new Undefined($"'dict object' has no attribute '{name}'")
                    : new Undefined($"'dict object' has no key {PythonText.Repr(key)}");
            case IReadOnlyList<object?> sequence when key is long or bool:
                var index = TemplateValues.ToLong(key);
                var position = index < 0 ? index + sequence.Count : index;
                return position >= 0 && position < sequence.Count
                    ? sequence[(int)position]
                    : new Undefined($"'{TemplateValues.TypeName(target)} object' has no element {index}");
            case string text when key is long or bool:
                return IndexString(text, TemplateValues.ToLong(key));
            default:
                return key is string attribute ? GetAttribute(target, attribute) : MissingAttribute(target, PythonText.Repr(key));
        }
    }

    public static object? Slice(object? target, object? start, object? stop, object? step)
    {
        if (target is Undefined)
        {
            return target;
        }

        var stepValue = SliceBound(step) ?? 1;
        if (stepValue == 0)
        {
            throw new TemplateRuntimeError("slice step cannot be zero");
        }

        IReadOnlyList<object?> items = target switch
        {
            string text => PythonText.CodePoints(text).ConvertAll<object?>(point => point),
            IReadOnlyList<object?> sequence => sequence,
            _ => throw new TemplateRuntimeError($"'{TemplateValues.TypeName(target)}' object is not subscriptable"),
        };

        var selected = new List<object?>();
        var (first, last) = AdjustBounds(items.Count, SliceBound(start), SliceBound(stop), stepValue);
        for (var i = first; stepValue > 0 ? i < last : i > last; i += stepValue)
        {
            selected.Add(items[(int)i]);
        }

        return target switch
        {
            string => string.Concat(selected.Cast<string>()),
            object?[] => selected.ToArray(),
            _ => selected,
        };
    }

    // CPython's PySlice_AdjustIndices.
    private static (long Start, long Stop) AdjustBounds(long length, long? start, long? stop, long step)
    {
        long Clamp(long? value, long whenMissing)
        {
            if (value is not { } bound)
            {
                return whenMissing;
            }

            if (bound < 0)
            {
                bound += length;
                return bound < 0 ? (step < 0 ? -1 : 0) : bound;
            }

            return bound >= length ? (step < 0 ? length - 1 : length) : bound;
        }

        return step > 0 ? (Clamp(start, 0), Clamp(stop, length)) : (Clamp(start, length - 1), Clamp(stop, -1));
    }

    private static long? SliceBound(object? value) => value switch
    {
        null => null,
        long or bool => TemplateValues.ToLong(value),
        Undefined => null,
        _ => throw new TemplateRuntimeError($"slice indices must be integers or none, not '{TemplateValues.TypeName(value)}'"),
    };

    private static object IndexString(string text, long index)
    {
        if (PythonText.IsSimple(text))
        {
            var position = index < 0 ? index + text.Length : index;
            return position >= 0 && position < text.Length
                ? text[(int)position].ToString()
                : new Undefined($"'str object' has no element {index}");
        }

        var points = PythonText.CodePoints(text);
        var pointPosition = index < 0 ? index + points.Count : index;
        return pointPosition >= 0 && pointPosition < points.Count
            ? points[(int)pointPosition]
            : new Undefined($"'str object' has no element {index}");
    }

    private static Undefined MissingAttribute(object? target, string name)
        => new(target is null ? $"'None' has no attribute '{name}'" : $"'{TemplateValues.TypeName(target)} object' has no attribute '{name}'");
}
