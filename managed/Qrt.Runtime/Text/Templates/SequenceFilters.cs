namespace Qrt.Runtime.Text.Templates;

/// <summary>
/// Filters on sequences and mappings: length, first, last, join, list, reverse, sort, unique, map, select, reject,
/// selectattr, rejectattr, items, dictsort, batch, sum, min, max.
/// </summary>
internal static class SequenceFilters
{
    public static void Register(Dictionary<string, FilterFunction> table)
    {
        table["length"] = (value, _) => TemplateValues.Length(value);
        table["count"] = table["length"];
        table["first"] = (value, _) => First(value);
        table["last"] = (value, _) => Last(value);
        table["join"] = Join;
        table["list"] = (value, _) => TemplateValues.Iterate(value).ToList();
        table["reverse"] = Reverse;
        table["sort"] = Sort;
        table["unique"] = Unique;
        table["map"] = Map;
        table["select"] = (value, a) => Select(value, a, keep: true, byAttribute: false);
        table["reject"] = (value, a) => Select(value, a, keep: false, byAttribute: false);
        table["selectattr"] = (value, a) => Select(value, a, keep: true, byAttribute: true);
        table["rejectattr"] = (value, a) => Select(value, a, keep: false, byAttribute: true);
        table["items"] = (value, _) => Items(value);
        table["dictsort"] = DictSort;
        table["batch"] = Batch;
        table["sum"] = Sum;
        table["min"] = (value, a) => Extreme(value, a, largest: false);
        table["max"] = (value, a) => Extreme(value, a, largest: true);
    }

    private static object? First(object? value)
    {
        var items = TemplateValues.Iterate(value);
        return items.Count > 0 ? items[0] : new Undefined("No first item, sequence was empty.");
    }

    private static object? Last(object? value)
    {
        var items = TemplateValues.Iterate(value);
        return items.Count > 0 ? items[items.Count - 1] : new Undefined("No last item, sequence was empty.");
    }

    private static string Join(object? value, ArgumentReader arguments)
    {
        var separator = PythonText.Str(arguments.Next("d", string.Empty));
        var attribute = arguments.Next("attribute");
        var items = TemplateValues.Iterate(value);
        if (attribute is not null)
        {
            var getter = AttributeGetter.Create(attribute);
            items = items.Select(getter).ToList();
        }

        return string.Join(separator, items.Select(PythonText.Str));
    }

    private static object? Reverse(object? value, ArgumentReader arguments)
    {
        if (value is string text)
        {
            var points = PythonText.CodePoints(text);
            points.Reverse();
            return string.Concat(points);
        }

        var items = TemplateValues.Iterate(value).ToList();
        items.Reverse();
        return items;
    }

    private static List<object?> Sort(object? value, ArgumentReader arguments)
    {
        var reverse = TemplateValues.IsTrue(arguments.Next("reverse", false));
        var caseSensitive = TemplateValues.IsTrue(arguments.Next("case_sensitive", false));
        var attribute = arguments.Next("attribute");
        var keys = SortKeys(attribute, caseSensitive);
        var items = TemplateValues.Iterate(value).ToList();
        var ordered = items.Select((item, index) => (Item: item, Index: index, Keys: keys.Select(key => key(item)).ToArray())).ToList();

        // A stable sort, as Python's; reverse keeps equal items in their original order too.
        ordered.Sort((a, b) =>
        {
            var order = CompareKeys(a.Keys, b.Keys);
            order = reverse ? -order : order;
            return order != 0 ? order : a.Index.CompareTo(b.Index);
        });
        return ordered.ConvertAll(entry => entry.Item);
    }

    private static List<Func<object?, object?>> SortKeys(object? attribute, bool caseSensitive)
    {
        Func<object?, object?> Fold(Func<object?, object?> getter)
            => caseSensitive ? getter : item => getter(item) is string text ? text.ToLowerInvariant() : getter(item);

        if (attribute is string names && names.Contains(',', StringComparison.Ordinal))
        {
            return names.Split(',').Select(name => Fold(AttributeGetter.Create(name.Trim()))).ToList();
        }

        return [Fold(attribute is null ? item => item : AttributeGetter.Create(attribute))];
    }

    private static int CompareKeys(object?[] a, object?[] b)
    {
        for (var i = 0; i < a.Length; i++)
        {
            var order = PythonOrdering.Compare(a[i], b[i]);
            if (order != 0)
            {
                return order;
            }
        }

        return 0;
    }

    private static List<object?> Unique(object? value, ArgumentReader arguments)
    {
        var caseSensitive = TemplateValues.IsTrue(arguments.Next("case_sensitive", false));
        var attribute = arguments.Next("attribute");
        var getter = attribute is null ? (Func<object?, object?>)(item => item) : AttributeGetter.Create(attribute);
        var seen = new List<object?>();
        var result = new List<object?>();
        foreach (var item in TemplateValues.Iterate(value))
        {
            var key = getter(item);
            if (!caseSensitive && key is string text)
            {
                key = text.ToLowerInvariant();
            }

            if (!seen.Any(existing => PythonEquality.AreEqual(existing, key)))
            {
                seen.Add(key);
                result.Add(item);
            }
        }

        return result;
    }

    private static List<object?> Map(object? value, ArgumentReader arguments)
    {
        var items = TemplateValues.Iterate(value);
        var rest = arguments.RemainingPositional();
        var keywords = arguments.RemainingKeywords();
        if (rest.Count == 0 && keywords.Any(pair => pair.Key == "attribute"))
        {
            var attribute = keywords.First(pair => pair.Key == "attribute").Value;
            var defaultValue = keywords.FirstOrDefault(pair => pair.Key == "default").Value;
            var unexpected = keywords.FirstOrDefault(pair => pair.Key is not "attribute" and not "default");
            if (unexpected.Key is not null)
            {
                throw new TemplateRuntimeError($"map() got an unexpected keyword argument '{unexpected.Key}'");
            }

            var getter = AttributeGetter.Create(attribute, defaultValue);
            return items.Select(getter).ToList();
        }

        if (rest.Count == 0)
        {
            throw new TemplateRuntimeError("map() needs a filter name or attribute=");
        }

        var filter = TemplateValues.RequireString(rest[0], "map() filter name");
        var filterArguments = new CallArguments(rest.Skip(1).ToList(), keywords);
        return items.Select(item => Filters.Apply(filter, item, filterArguments)).ToList();
    }

    private static List<object?> Select(object? value, ArgumentReader arguments, bool keep, bool byAttribute)
    {
        var items = TemplateValues.Iterate(value);
        var getter = byAttribute ? AttributeGetter.Create(arguments.Required("attribute")) : item => item;
        var rest = arguments.RemainingPositional();
        var keywords = arguments.RemainingKeywords();
        Func<object?, bool> test;
        if (rest.Count == 0)
        {
            test = TemplateValues.IsTrue;
        }
        else
        {
            var name = TemplateValues.RequireString(rest[0], "test name");
            var testArguments = new CallArguments(rest.Skip(1).ToList(), keywords);
            test = item => TestFunctions.Apply(name, item, testArguments);
        }

        return items.Where(item => test(getter(item)) == keep).ToList();
    }

    private static List<object?> Items(object? value) => value switch
    {
        DictValue dict => DictMethods.Items(dict),
        Undefined => new List<object?>(),
        _ => throw new TemplateRuntimeError($"the items filter needs a mapping, not '{TemplateValues.TypeName(value)}'"),
    };

    private static List<object?> DictSort(object? value, ArgumentReader arguments)
    {
        if (value is not DictValue dict)
        {
            throw new TemplateRuntimeError($"dictsort needs a mapping, not '{TemplateValues.TypeName(value)}'");
        }

        var caseSensitive = TemplateValues.IsTrue(arguments.Next("case_sensitive", false));
        var by = PythonText.Str(arguments.Next("by", "key"));
        var reverse = TemplateValues.IsTrue(arguments.Next("reverse", false));
        var position = by switch
        {
            "key" => 0,
            "value" => 1,
            _ => throw new TemplateRuntimeError("dictsort: 'by' must be \"key\" or \"value\""),
        };

        var entries = DictMethods.Items(dict).Cast<object?[]>().ToList();
        object? Key(object?[] entry) => !caseSensitive && entry[position] is string text ? text.ToLowerInvariant() : entry[position];
        var ordered = entries.Select((entry, index) => (Entry: entry, Index: index)).ToList();
        ordered.Sort((a, b) =>
        {
            var order = PythonOrdering.Compare(Key(a.Entry), Key(b.Entry));
            order = reverse ? -order : order;
            return order != 0 ? order : a.Index.CompareTo(b.Index);
        });
        return ordered.ConvertAll(entry => (object?)entry.Entry);
    }

    private static List<object?> Batch(object? value, ArgumentReader arguments)
    {
        var size = TemplateValues.RequireInteger(arguments.Required("linecount"), "linecount");
        if (size <= 0)
        {
            throw new TemplateRuntimeError("batch size must be positive");
        }

        var hasFill = arguments.TryNext("fill_with", out var fill) && fill is not null;
        var batches = new List<object?>();
        List<object?>? current = null;
        foreach (var item in TemplateValues.Iterate(value))
        {
            current ??= [];
            current.Add(item);
            if (current.Count == size)
            {
                batches.Add(current);
                current = null;
            }
        }

        if (current is not null)
        {
            while (hasFill && current.Count < size)
            {
                current.Add(fill);
            }

            batches.Add(current);
        }

        return batches;
    }

    private static object? Sum(object? value, ArgumentReader arguments)
    {
        var attribute = arguments.Next("attribute");
        var total = arguments.Next("start", 0L);
        var getter = attribute is null ? (Func<object?, object?>)(item => item) : AttributeGetter.Create(attribute);
        foreach (var item in TemplateValues.Iterate(value))
        {
            total = PythonArithmetic.Apply("+", total, getter(item));
        }

        return total;
    }

    private static object? Extreme(object? value, ArgumentReader arguments, bool largest)
    {
        var caseSensitive = TemplateValues.IsTrue(arguments.Next("case_sensitive", false));
        var attribute = arguments.Next("attribute");
        var getter = attribute is null ? (Func<object?, object?>)(item => item) : AttributeGetter.Create(attribute);
        object? Key(object? item) => !caseSensitive && getter(item) is string text ? text.ToLowerInvariant() : getter(item);
        var items = TemplateValues.Iterate(value);
        if (items.Count == 0)
        {
            return new Undefined("No aggregated item, sequence was empty.");
        }

        var best = items[0];
        foreach (var item in items.Skip(1))
        {
            var order = PythonOrdering.Compare(Key(item), Key(best));
            if (largest ? order > 0 : order < 0)
            {
                best = item;
            }
        }

        return best;
    }
}
