namespace Qrt.Runtime.Text.Templates;

/// <summary>
/// The global functions a chat template sees: Jinja's <c>range</c>, <c>dict</c>, <c>namespace</c>, and the two
/// transformers adds, <c>raise_exception(message)</c> and <c>strftime_now(format)</c> (local time from the
/// given clock, so tests can fix it).
/// </summary>
internal static class Globals
{
    // Jinja's sandbox refuses ranges longer than this.
    private const long MaximumRange = 100_000;

    public static Scope Create(TimeProvider clock)
    {
        var scope = new Scope(null);
        scope.Set("range", new BuiltinFunction("range", Range));
        scope.Set("dict", new BuiltinFunction("dict", Dict));
        scope.Set("namespace", new BuiltinFunction("namespace", Namespace));
        scope.Set("raise_exception", new BuiltinFunction("raise_exception", arguments =>
        {
            var message = PythonText.Str(arguments.Next("message", string.Empty));
            arguments.Finish();
            throw new TemplateRuntimeError(message, raisedByTemplate: true);
        }));
        scope.Set("strftime_now", new BuiltinFunction("strftime_now", arguments =>
        {
            var format = TemplateValues.RequireString(arguments.Required("format"), "strftime_now() format");
            arguments.Finish();
            return PythonStrftime.Format(clock.GetLocalNow(), format);
        }));
        return scope;
    }

    private static List<object?> Range(ArgumentReader arguments)
    {
        var values = arguments.RemainingPositional().Select(value => TemplateValues.RequireInteger(value, "range() argument")).ToList();
        arguments.Finish();
        var (start, stop, step) = values.Count switch
        {
            1 => (0L, values[0], 1L),
            2 => (values[0], values[1], 1L),
            3 => (values[0], values[1], values[2]),
            _ => throw new TemplateRuntimeError($"range() takes 1 to 3 arguments, {values.Count} given"),
        };

        if (step == 0)
        {
            throw new TemplateRuntimeError("range() arg 3 must not be zero");
        }

        var result = new List<object?>();
        for (var i = start; step > 0 ? i < stop : i > stop; i += step)
        {
            if (result.Count >= MaximumRange)
            {
                throw new TemplateRuntimeError($"range() is limited to {MaximumRange} items");
            }

            result.Add(i);
        }

        return result;
    }

    private static DictValue Dict(ArgumentReader arguments)
    {
        var dict = new DictValue();
        var positional = arguments.RemainingPositional();
        if (positional.Count > 1)
        {
            throw new TemplateRuntimeError($"dict expected at most 1 argument, got {positional.Count}");
        }

        if (positional.Count == 1)
        {
            CopyEntries(positional[0], dict, "dict");
        }

        foreach (var pair in arguments.RemainingKeywords())
        {
            dict.Put(pair.Key, pair.Value);
        }

        return dict;
    }

    private static NamespaceValue Namespace(ArgumentReader arguments)
    {
        var dict = Dict(arguments);
        var ns = new NamespaceValue();
        foreach (var pair in dict)
        {
            ns.Attributes[pair.Key as string ?? throw new TemplateRuntimeError("namespace keys must be strings")] = pair.Value;
        }

        return ns;
    }

    private static void CopyEntries(object? source, DictValue target, string function)
    {
        if (source is DictValue dict)
        {
            foreach (var pair in dict)
            {
                target.Put(pair.Key, pair.Value);
            }

            return;
        }

        foreach (var entry in TemplateValues.Iterate(source))
        {
            var pair = entry is string or DictValue ? null : TemplateValues.Iterate(entry);
            if (pair is not { Count: 2 })
            {
                throw new TemplateRuntimeError($"{function}: each entry must be a (key, value) pair");
            }

            target.Put(pair[0], pair[1]);
        }
    }
}
