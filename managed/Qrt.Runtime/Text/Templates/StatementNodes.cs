namespace Qrt.Runtime.Text.Templates;

/// <summary>A piece of a template body.</summary>
internal abstract record Node(int Offset);

/// <summary>Literal template text.</summary>
internal sealed record TextNode(string Text, int Offset) : Node(Offset);

/// <summary><c>{{ expression }}</c>.</summary>
internal sealed record PrintNode(Expr Value, int Offset) : Node(Offset);

/// <summary>One <c>if</c>/<c>elif</c> condition with its body.</summary>
internal sealed record IfBranch(Expr Test, IReadOnlyList<Node> Body);

/// <summary><c>{% if %}...{% elif %}...{% else %}...{% endif %}</c>.</summary>
internal sealed record IfNode(IReadOnlyList<IfBranch> Branches, IReadOnlyList<Node> Otherwise, int Offset) : Node(Offset);

/// <summary><c>{% for target in iterable if filter %}...{% else %}...{% endfor %}</c>.</summary>
internal sealed record ForNode(
    AssignTarget Target, Expr Iterable, Expr? Filter, IReadOnlyList<Node> Body, IReadOnlyList<Node> Otherwise, int Offset)
    : Node(Offset);

/// <summary><c>{% set target = value %}</c>.</summary>
internal sealed record SetNode(AssignTarget Target, Expr Value, int Offset) : Node(Offset);

/// <summary><c>{% set target | filters %}body{% endset %}</c>: the rendered body (filtered) is the value.</summary>
internal sealed record SetBlockNode(AssignTarget Target, IReadOnlyList<FilterExpr> Filters, IReadOnlyList<Node> Body, int Offset)
    : Node(Offset);

/// <summary>A macro parameter with its optional default.</summary>
internal sealed record MacroParameter(string Name, Expr? Default);

/// <summary>
/// A macro definition (also the body of a call block). Which of <c>varargs</c>, <c>kwargs</c> and <c>caller</c>
/// the body mentions decides whether extra arguments are accepted, as in Jinja.
/// </summary>
internal sealed record MacroDefinition(
    string Name, IReadOnlyList<MacroParameter> Parameters, IReadOnlyList<Node> Body,
    bool UsesVarargs, bool UsesKwargs, bool UsesCaller);

/// <summary><c>{% macro name(parameters) %}...{% endmacro %}</c>.</summary>
internal sealed record MacroNode(MacroDefinition Macro, int Offset) : Node(Offset);

/// <summary><c>{% call(parameters) macro(arguments) %}...{% endcall %}</c>.</summary>
internal sealed record CallBlockNode(CallExpr Call, MacroDefinition Caller, int Offset) : Node(Offset);

/// <summary><c>{% filter name %}...{% endfilter %}</c>.</summary>
internal sealed record FilterBlockNode(IReadOnlyList<FilterExpr> Filters, IReadOnlyList<Node> Body, int Offset) : Node(Offset);

/// <summary><c>{% with a = 1 %}...{% endwith %}</c>.</summary>
internal sealed record WithNode(IReadOnlyList<KeyValuePair<AssignTarget, Expr>> Assignments, IReadOnlyList<Node> Body, int Offset)
    : Node(Offset);

/// <summary>A body whose output is simply rendered (transformers' <c>{% generation %}</c> marks assistant text).</summary>
internal sealed record GroupNode(IReadOnlyList<Node> Body, int Offset) : Node(Offset);

/// <summary><c>{% break %}</c>.</summary>
internal sealed record BreakNode(int Offset) : Node(Offset);

/// <summary><c>{% continue %}</c>.</summary>
internal sealed record ContinueNode(int Offset) : Node(Offset);

/// <summary>What a <c>set</c>, <c>for</c> or <c>with</c> assigns to.</summary>
internal abstract record AssignTarget(int Offset);

/// <summary>A variable.</summary>
internal sealed record NameTarget(string Name, int Offset) : AssignTarget(Offset);

/// <summary>Several targets unpacked from one value (<c>for key, value in ...</c>).</summary>
internal sealed record TupleTarget(IReadOnlyList<AssignTarget> Items, int Offset) : AssignTarget(Offset);

/// <summary>An attribute of a namespace (<c>ns.count</c>).</summary>
internal sealed record NamespaceTarget(string Namespace, string Attribute, int Offset) : AssignTarget(Offset);
