namespace Qrt.Runtime.Text.Templates;

/// <summary>The <c>loop</c> variable inside a for loop: position, neighbours, <c>cycle</c> and <c>changed</c>.</summary>
internal sealed class LoopContext : IAttributeSource
{
    private readonly IReadOnlyList<object?> _items;
    private readonly int _index;
    private readonly LoopHistory _history;

    public LoopContext(IReadOnlyList<object?> items, int index, LoopHistory history)
    {
        _items = items;
        _index = index;
        _history = history;
    }

    public object? GetAttribute(string name) => name switch
    {
        "index" => (long)(_index + 1),
        "index0" => (long)_index,
        "revindex" => (long)(_items.Count - _index),
        "revindex0" => (long)(_items.Count - _index - 1),
        "first" => _index == 0,
        "last" => _index == _items.Count - 1,
        "length" => (long)_items.Count,
        "depth" => 1L,
        "depth0" => 0L,
        "previtem" => _index > 0 ? _items[_index - 1] : new Undefined("there is no previous item"),
        "nextitem" => _index < _items.Count - 1 ? _items[_index + 1] : new Undefined("there is no next item"),
        "cycle" => new BuiltinFunction("loop.cycle", Cycle),
        "changed" => new BuiltinFunction("loop.changed", arguments => Changed(arguments)),
        _ => new Undefined($"'LoopContext' object has no attribute '{name}'"),
    };

    private object? Cycle(ArgumentReader arguments)
    {
        var values = arguments.RemainingPositional();
        arguments.Finish();
        if (values.Count == 0)
        {
            throw new TemplateRuntimeError("loop.cycle() needs at least one value");
        }

        return values[_index % values.Count];
    }

    private bool Changed(ArgumentReader arguments)
    {
        var values = arguments.RemainingPositional();
        arguments.Finish();
        var key = values.ToArray();
        if (_history.LastChangedKey is { } last && PythonEquality.AreEqual(last, key))
        {
            return false;
        }

        _history.LastChangedKey = key;
        return true;
    }
}

/// <summary>State shared by all iterations of one loop (what <c>loop.changed</c> saw last).</summary>
internal sealed class LoopHistory
{
    public object?[]? LastChangedKey { get; set; }
}
