using System.Runtime.CompilerServices;
using System.Text;

namespace Qrt.Runtime.Text.Templates;

/// <summary>
/// Renders a parsed template: runs statements, writing text to the output (this part), and evaluates expressions
/// (Interpreter.Expressions.cs). Errors from values are stamped with the offset of the node that failed.
/// </summary>
internal sealed partial class Interpreter
{
    // Guards against runaway recursion (a macro calling itself without end).
    private const int MaximumCallDepth = 200;

    private int _callDepth;

    /// <summary>How a body finished: normally, or by break/continue inside a loop.</summary>
    private enum Flow
    {
        Normal,
        Break,
        Continue,
    }

    public string Render(IReadOnlyList<Node> body, Scope scope)
    {
        var output = new StringBuilder();
        Execute(body, scope, output);
        return output.ToString();
    }

    /// <summary>Renders a macro body; used by <see cref="MacroFunction" />.</summary>
    public string RenderMacro(IReadOnlyList<Node> body, Scope scope, string name)
    {
        if (++_callDepth > MaximumCallDepth)
        {
            _callDepth = 0;
            throw new TemplateRuntimeError($"macro '{name}' nested more than {MaximumCallDepth} calls deep");
        }

        try
        {
            return Render(body, scope);
        }
        finally
        {
            _callDepth--;
        }
    }

    private Flow Execute(IReadOnlyList<Node> body, Scope scope, StringBuilder output)
    {
        foreach (var node in body)
        {
            var flow = ExecuteNode(node, scope, output);
            if (flow != Flow.Normal)
            {
                return flow;
            }
        }

        return Flow.Normal;
    }

    private Flow ExecuteNode(Node node, Scope scope, StringBuilder output)
    {
        RuntimeHelpers.EnsureSufficientExecutionStack();
        switch (node)
        {
            case TextNode text:
                output.Append(text.Text);
                return Flow.Normal;
            case PrintNode print:
                output.Append(PythonText.Str(Evaluate(print.Value, scope)));
                return Flow.Normal;
            case IfNode ifNode:
                foreach (var branch in ifNode.Branches)
                {
                    if (TemplateValues.IsTrue(Evaluate(branch.Test, scope)))
                    {
                        return Execute(branch.Body, scope, output);
                    }
                }

                return Execute(ifNode.Otherwise, scope, output);
            case ForNode forNode:
                ExecuteFor(forNode, scope, output);
                return Flow.Normal;
            case SetNode set:
                Assign(set.Target, Evaluate(set.Value, scope), scope);
                return Flow.Normal;
            case SetBlockNode setBlock:
                object? rendered = Render(setBlock.Body, new Scope(scope));
                foreach (var filter in setBlock.Filters)
                {
                    rendered = ApplyFilter(filter, rendered, scope);
                }

                Assign(setBlock.Target, rendered, scope);
                return Flow.Normal;
            case MacroNode macro:
                scope.Set(macro.Macro.Name, new MacroFunction(macro.Macro, scope, this));
                return Flow.Normal;
            case CallBlockNode callBlock:
                output.Append(PythonText.Str(EvaluateCallBlock(callBlock, scope)));
                return Flow.Normal;
            case FilterBlockNode filterBlock:
                object? filtered = Render(filterBlock.Body, new Scope(scope));
                foreach (var filter in filterBlock.Filters)
                {
                    filtered = ApplyFilter(filter, filtered, scope);
                }

                output.Append(PythonText.Str(filtered));
                return Flow.Normal;
            case WithNode with:
                var inner = new Scope(scope);
                var values = with.Assignments.Select(pair => Evaluate(pair.Value, scope)).ToList();
                for (var i = 0; i < values.Count; i++)
                {
                    Assign(with.Assignments[i].Key, values[i], inner);
                }

                return Execute(with.Body, inner, output);
            case GroupNode group:
                return Execute(group.Body, scope, output);
            case BreakNode:
                return Flow.Break;
            case ContinueNode:
                return Flow.Continue;
            default:
                throw new InvalidOperationException($"unknown node {node.GetType().Name}");
        }
    }

    private void ExecuteFor(ForNode node, Scope scope, StringBuilder output)
    {
        var iterable = Evaluate(node.Iterable, scope);
        IReadOnlyList<object?> items;
        try
        {
            items = TemplateValues.Iterate(iterable);
        }
        catch (TemplateRuntimeError error) when (error.Offset < 0)
        {
            error.Offset = node.Iterable.Offset;
            throw;
        }

        if (node.Filter is not null)
        {
            var kept = new List<object?>();
            foreach (var item in items)
            {
                var filterScope = new Scope(scope);
                Assign(node.Target, item, filterScope);
                if (TemplateValues.IsTrue(Evaluate(node.Filter, filterScope)))
                {
                    kept.Add(item);
                }
            }

            items = kept;
        }

        if (items.Count == 0)
        {
            Execute(node.Otherwise, new Scope(scope), output);
            return;
        }

        var history = new LoopHistory();
        for (var i = 0; i < items.Count; i++)
        {
            var iteration = new Scope(scope);
            iteration.Set("loop", new LoopContext(items, i, history));
            Assign(node.Target, items[i], iteration);
            if (Execute(node.Body, iteration, output) == Flow.Break)
            {
                break;
            }
        }
    }

    private static void Assign(AssignTarget target, object? value, Scope scope)
    {
        switch (target)
        {
            case NameTarget name:
                scope.Set(name.Name, value);
                break;
            case NamespaceTarget attribute:
                if (scope.Lookup(attribute.Namespace) is not NamespaceValue ns)
                {
                    throw new TemplateRuntimeError(
                        $"cannot assign attribute '{attribute.Attribute}' on '{attribute.Namespace}': only a namespace() can be assigned to")
                    {
                        Offset = attribute.Offset,
                    };
                }

                ns.Attributes[attribute.Attribute] = value;
                break;
            case TupleTarget tuple:
                IReadOnlyList<object?> items;
                try
                {
                    items = value is string ? throw new TemplateRuntimeError("cannot unpack a string") : TemplateValues.Iterate(value);
                }
                catch (TemplateRuntimeError error) when (error.Offset < 0)
                {
                    error.Offset = tuple.Offset;
                    throw;
                }

                if (items.Count != tuple.Items.Count)
                {
                    var problem = items.Count < tuple.Items.Count
                        ? $"not enough values to unpack (expected {tuple.Items.Count}, got {items.Count})"
                        : $"too many values to unpack (expected {tuple.Items.Count})";
                    throw new TemplateRuntimeError(problem) { Offset = tuple.Offset };
                }

                for (var i = 0; i < items.Count; i++)
                {
                    Assign(tuple.Items[i], items[i], scope);
                }

                break;
        }
    }

    private object? EvaluateCallBlock(CallBlockNode node, Scope scope)
    {
        var callee = Evaluate(node.Call.Callee, scope);
        if (callee is not MacroFunction macro)
        {
            throw new TemplateRuntimeError("'{% call %}' needs a macro to call") { Offset = node.Call.Offset };
        }

        var caller = new MacroFunction(node.Caller, scope, this);
        var arguments = EvaluateArguments(node.Call.Arguments, scope);
        return Stamp(node.Call.Offset, () => macro.Invoke(arguments, caller));
    }
}
