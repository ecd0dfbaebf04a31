namespace Qrt.Runtime.Text.Templates;

/// <summary>
/// A macro defined in the template. A call binds arguments as Jinja does: positionally, then by keyword, then the
/// defaults (evaluated in the macro's scope, so they may refer to earlier parameters); missing arguments are
/// undefined; extra ones land in <c>varargs</c> and <c>kwargs</c> when the body mentions them and are an error
/// otherwise. The body sees the scope the macro was defined in.
/// </summary>
internal sealed class MacroFunction : ICallable
{
    private readonly MacroDefinition _definition;
    private readonly Scope _closure;
    private readonly Interpreter _interpreter;

    public MacroFunction(MacroDefinition definition, Scope closure, Interpreter interpreter)
    {
        _definition = definition;
        _closure = closure;
        _interpreter = interpreter;
    }

    public string Name => _definition.Name;

    public object? Invoke(CallArguments arguments) => Invoke(arguments, null);

    public object? Invoke(CallArguments arguments, MacroFunction? caller)
    {
        var scope = new Scope(_closure);
        var parameters = _definition.Parameters;
        var positional = arguments.Positional;
        var keywords = arguments.Keywords.ToList();
        var pendingDefaults = new List<MacroParameter>();
        for (var i = 0; i < parameters.Count; i++)
        {
            var parameter = parameters[i];
            var keywordIndex = keywords.FindIndex(pair => pair.Key == parameter.Name);
            if (i < positional.Count)
            {
                if (keywordIndex >= 0)
                {
                    throw new TemplateRuntimeError($"macro '{Name}' got multiple values for argument '{parameter.Name}'");
                }

                scope.Set(parameter.Name, positional[i]);
            }
            else if (keywordIndex >= 0)
            {
                scope.Set(parameter.Name, keywords[keywordIndex].Value);
                keywords.RemoveAt(keywordIndex);
            }
            else if (parameter.Default is not null)
            {
                scope.Set(parameter.Name, new Undefined($"parameter '{parameter.Name}' was not provided"));
                pendingDefaults.Add(parameter);
            }
            else
            {
                scope.Set(parameter.Name, new Undefined($"parameter '{parameter.Name}' was not provided"));
            }
        }

        var callerIndex = keywords.FindIndex(pair => pair.Key == "caller");
        if (callerIndex >= 0 && _definition.UsesCaller && caller is null)
        {
            caller = keywords[callerIndex].Value as MacroFunction;
            keywords.RemoveAt(callerIndex);
        }

        if (positional.Count > parameters.Count && !_definition.UsesVarargs)
        {
            throw new TemplateRuntimeError($"macro '{Name}' takes not more than {parameters.Count} argument(s)");
        }

        if (keywords.Count > 0 && !_definition.UsesKwargs)
        {
            throw new TemplateRuntimeError($"macro '{Name}' takes no keyword argument '{keywords[0].Key}'");
        }

        if (_definition.UsesVarargs)
        {
            scope.Set("varargs", positional.Skip(parameters.Count).ToArray());
        }

        if (_definition.UsesKwargs)
        {
            var kwargs = new DictValue();
            foreach (var pair in keywords)
            {
                kwargs[pair.Key] = pair.Value;
            }

            scope.Set("kwargs", kwargs);
        }

        if (_definition.UsesCaller)
        {
            scope.Set("caller", (object?)caller ?? new Undefined($"macro '{Name}' was not called from a call block"));
        }

        foreach (var parameter in pendingDefaults)
        {
            scope.Set(parameter.Name, _interpreter.Evaluate(parameter.Default!, scope));
        }

        return _interpreter.RenderMacro(_definition.Body, scope, Name);
    }
}
