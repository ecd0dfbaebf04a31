using System.Runtime.CompilerServices;
using System.Text;

namespace Qrt.Runtime.Text.Templates;

/// <summary>Expression evaluation.</summary>
internal sealed partial class Interpreter
{
    public object? Evaluate(Expr expression, Scope scope)
    {
        try
        {
            RuntimeHelpers.EnsureSufficientExecutionStack();
            return EvaluateNode(expression, scope);
        }
        catch (TemplateRuntimeError error) when (error.Offset < 0)
        {
            error.Offset = expression.Offset;
            throw;
        }
    }

    private object? EvaluateNode(Expr expression, Scope scope)
    {
        switch (expression)
        {
            case LiteralExpr literal:
                return literal.Value;
            case NameExpr name:
                return scope.Lookup(name.Name);
            case ListExpr list:
                return list.Items.Select(item => Evaluate(item, scope)).ToList();
            case TupleExpr tuple:
                return tuple.Items.Select(item => Evaluate(item, scope)).ToArray();
            case DictExpr dict:
                var result = new DictValue();
                foreach (var entry in dict.Entries)
                {
                    var key = Evaluate(entry.Key, scope);
                    result.Put(key, Evaluate(entry.Value, scope));
                }

                return result;
            case AttributeExpr attribute:
                return AttributeAccess.GetAttribute(Evaluate(attribute.Target, scope), attribute.Name);
            case ItemExpr item:
                var target = Evaluate(item.Target, scope);
                if (item.Index is SliceExpr slice)
                {
                    return AttributeAccess.Slice(
                        target,
                        slice.Start is null ? null : Evaluate(slice.Start, scope),
                        slice.Stop is null ? null : Evaluate(slice.Stop, scope),
                        slice.Step is null ? null : Evaluate(slice.Step, scope));
                }

                return AttributeAccess.GetItem(target, Evaluate(item.Index, scope));
            case CallExpr call:
                return EvaluateCall(call, scope);
            case FilterExpr filter:
                return ApplyFilter(filter, filter.Operand is null ? null : Evaluate(filter.Operand, scope), scope);
            case TestExpr test:
                var operand = Evaluate(test.Operand, scope);
                return TestFunctions.Apply(test.Name, operand, EvaluateArguments(test.Arguments, scope));
            case NotExpr not:
                return !TemplateValues.IsTrue(Evaluate(not.Operand, scope));
            case SignExpr sign:
                return PythonArithmetic.Negate(Evaluate(sign.Operand, scope), sign.Negative);
            case BinaryExpr binary:
                return EvaluateBinary(binary, scope);
            case ConcatExpr concat:
                var builder = new StringBuilder();
                foreach (var part in concat.Parts)
                {
                    builder.Append(PythonText.Str(Evaluate(part, scope)));
                }

                return builder.ToString();
            case CompareExpr compare:
                return EvaluateCompare(compare, scope);
            case ConditionalExpr conditional:
                if (TemplateValues.IsTrue(Evaluate(conditional.Test, scope)))
                {
                    return Evaluate(conditional.Then, scope);
                }

                return conditional.Otherwise is null
                    ? new Undefined("the condition was false and there is no 'else'")
                    : Evaluate(conditional.Otherwise, scope);
            case SliceExpr:
                throw new TemplateRuntimeError("a slice is only valid inside '[]'");
            default:
                throw new InvalidOperationException($"unknown expression {expression.GetType().Name}");
        }
    }

    private object? EvaluateBinary(BinaryExpr binary, Scope scope)
    {
        var left = Evaluate(binary.Left, scope);
        switch (binary.Operator)
        {
            case "and":
                return TemplateValues.IsTrue(left) ? Evaluate(binary.Right, scope) : left;
            case "or":
                return TemplateValues.IsTrue(left) ? left : Evaluate(binary.Right, scope);
            default:
                var right = Evaluate(binary.Right, scope);
                return PythonArithmetic.Apply(binary.Operator, left, right);
        }
    }

    private bool EvaluateCompare(CompareExpr compare, Scope scope)
    {
        var left = Evaluate(compare.First, scope);
        foreach (var (op, operand) in compare.Operations)
        {
            var right = Evaluate(operand, scope);
            bool holds;
            try
            {
                holds = Operators.Compare(op, left, right);
            }
            catch (TemplateRuntimeError error) when (error.Offset < 0)
            {
                error.Offset = operand.Offset;
                throw;
            }

            if (!holds)
            {
                return false;
            }

            left = right;
        }

        return true;
    }

    private object? EvaluateCall(CallExpr call, Scope scope)
    {
        var callee = Evaluate(call.Callee, scope);
        var arguments = EvaluateArguments(call.Arguments, scope);
        return callee switch
        {
            ICallable callable => callable.Invoke(arguments),
            Undefined undefined => throw new TemplateRuntimeError(undefined.Reason),
            _ => throw new TemplateRuntimeError($"'{TemplateValues.TypeName(callee)}' object is not callable"),
        };
    }

    private object? ApplyFilter(FilterExpr filter, object? value, Scope scope)
    {
        var arguments = EvaluateArguments(filter.Arguments, scope);
        return Stamp(filter.Offset, () => Filters.Apply(filter.Name, value, arguments));
    }

    private CallArguments EvaluateArguments(ArgumentList arguments, Scope scope)
    {
        if (arguments == ArgumentList.Empty)
        {
            return CallArguments.None;
        }

        var positional = arguments.Positional.Select(argument => Evaluate(argument, scope)).ToList();
        if (arguments.DynamicPositional is not null)
        {
            positional.AddRange(TemplateValues.Iterate(Evaluate(arguments.DynamicPositional, scope)));
        }

        var keywords = arguments.Keywords.Select(pair => new KeyValuePair<string, object?>(pair.Key, Evaluate(pair.Value, scope))).ToList();
        if (arguments.DynamicKeywords is not null)
        {
            if (Evaluate(arguments.DynamicKeywords, scope) is not DictValue extra)
            {
                throw new TemplateRuntimeError("the argument after ** must be a mapping") { Offset = arguments.DynamicKeywords.Offset };
            }

            foreach (var pair in extra)
            {
                var name = pair.Key as string ?? throw new TemplateRuntimeError("keywords must be strings") { Offset = arguments.DynamicKeywords.Offset };
                if (keywords.Any(existing => existing.Key == name))
                {
                    throw new TemplateRuntimeError($"got multiple values for keyword argument '{name}'") { Offset = arguments.DynamicKeywords.Offset };
                }

                keywords.Add(new(name, pair.Value));
            }
        }

        return new CallArguments(positional, keywords);
    }

    // Runs an operation that may fail, blaming the given offset if it does.
    private static object? Stamp(int offset, Func<object?> operation)
    {
        try
        {
            return operation();
        }
        catch (TemplateRuntimeError error) when (error.Offset < 0)
        {
            error.Offset = offset;
            throw;
        }
    }
}
