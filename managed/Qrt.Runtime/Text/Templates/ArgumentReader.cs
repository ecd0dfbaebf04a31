namespace Qrt.Runtime.Text.Templates;

/// <summary>
/// Binds call arguments to parameters the way Python does for a builtin: each parameter takes the next positional
/// argument or else its keyword, and <see cref="Finish" /> rejects whatever was left over.
/// </summary>
internal sealed class ArgumentReader
{
    private readonly string _function;
    private readonly CallArguments _arguments;
    private readonly HashSet<string> _usedKeywords = new(StringComparer.Ordinal);
    private int _nextPositional;

    public ArgumentReader(string function, CallArguments arguments)
    {
        _function = function;
        _arguments = arguments;
    }

    /// <summary>The next parameter, or <paramref name="defaultValue" /> when not given.</summary>
    public object? Next(string name, object? defaultValue = null)
        => TryNext(name, out var value) ? value : defaultValue;

    /// <summary>The next parameter; an error when not given.</summary>
    public object? Required(string name)
        => TryNext(name, out var value)
            ? value
            : throw new TemplateRuntimeError($"{_function}() is missing its argument '{name}'");

    public bool TryNext(string name, out object? value)
    {
        if (_nextPositional < _arguments.Positional.Count)
        {
            value = _arguments.Positional[_nextPositional++];
            if (FindKeyword(name, out _))
            {
                throw new TemplateRuntimeError($"{_function}() got multiple values for argument '{name}'");
            }

            return true;
        }

        if (FindKeyword(name, out value))
        {
            _usedKeywords.Add(name);
            return true;
        }

        value = null;
        return false;
    }

    /// <summary>The positional arguments not yet taken (for functions with *args).</summary>
    public IReadOnlyList<object?> RemainingPositional()
    {
        var rest = _arguments.Positional.Skip(_nextPositional).ToList();
        _nextPositional = _arguments.Positional.Count;
        return rest;
    }

    /// <summary>The keyword arguments not yet taken (for functions with **kwargs).</summary>
    public IReadOnlyList<KeyValuePair<string, object?>> RemainingKeywords()
    {
        var rest = _arguments.Keywords.Where(pair => !_usedKeywords.Contains(pair.Key)).ToList();
        foreach (var pair in rest)
        {
            _usedKeywords.Add(pair.Key);
        }

        return rest;
    }

    /// <summary>Fails when positional or keyword arguments were given that no parameter took.</summary>
    public void Finish()
    {
        if (_nextPositional < _arguments.Positional.Count)
        {
            throw new TemplateRuntimeError(
                $"{_function}() takes at most {_nextPositional} positional argument(s) but {_arguments.Positional.Count} were given");
        }

        foreach (var pair in _arguments.Keywords)
        {
            if (!_usedKeywords.Contains(pair.Key))
            {
                throw new TemplateRuntimeError($"{_function}() got an unexpected keyword argument '{pair.Key}'");
            }
        }
    }

    private bool FindKeyword(string name, out object? value)
    {
        foreach (var pair in _arguments.Keywords)
        {
            if (pair.Key == name)
            {
                value = pair.Value;
                return true;
            }
        }

        value = null;
        return false;
    }
}
