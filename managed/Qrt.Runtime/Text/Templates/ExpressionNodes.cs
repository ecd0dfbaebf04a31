namespace Qrt.Runtime.Text.Templates;

/// <summary>An expression; <see cref="Offset" /> is where errors about it point.</summary>
internal abstract record Expr(int Offset);

/// <summary>A string, integer, float, boolean or none literal.</summary>
internal sealed record LiteralExpr(object? Value, int Offset) : Expr(Offset);

/// <summary>A variable reference.</summary>
internal sealed record NameExpr(string Name, int Offset) : Expr(Offset);

/// <summary><c>[a, b]</c>.</summary>
internal sealed record ListExpr(IReadOnlyList<Expr> Items, int Offset) : Expr(Offset);

/// <summary><c>(a, b)</c> or <c>a, b</c>.</summary>
internal sealed record TupleExpr(IReadOnlyList<Expr> Items, int Offset) : Expr(Offset);

/// <summary><c>{k: v}</c>.</summary>
internal sealed record DictExpr(IReadOnlyList<KeyValuePair<Expr, Expr>> Entries, int Offset) : Expr(Offset);

/// <summary><c>target.name</c>.</summary>
internal sealed record AttributeExpr(Expr Target, string Name, int Offset) : Expr(Offset);

/// <summary><c>target[index]</c>; the index may be a <see cref="SliceExpr" />.</summary>
internal sealed record ItemExpr(Expr Target, Expr Index, int Offset) : Expr(Offset);

/// <summary><c>start:stop:step</c> inside brackets.</summary>
internal sealed record SliceExpr(Expr? Start, Expr? Stop, Expr? Step, int Offset) : Expr(Offset);

/// <summary>Arguments as written at a call: positional, keyword, <c>*args</c> and <c>**kwargs</c>.</summary>
internal sealed record ArgumentList(
    IReadOnlyList<Expr> Positional,
    IReadOnlyList<KeyValuePair<string, Expr>> Keywords,
    Expr? DynamicPositional,
    Expr? DynamicKeywords)
{
    public static readonly ArgumentList Empty = new([], [], null, null);
}

/// <summary><c>callee(arguments)</c>.</summary>
internal sealed record CallExpr(Expr Callee, ArgumentList Arguments, int Offset) : Expr(Offset);

/// <summary><c>operand | name(arguments)</c>; a null operand stands for the body of a filter block.</summary>
internal sealed record FilterExpr(Expr? Operand, string Name, ArgumentList Arguments, int Offset) : Expr(Offset);

/// <summary><c>operand is name(arguments)</c> (negation is a <see cref="NotExpr" /> around it).</summary>
internal sealed record TestExpr(Expr Operand, string Name, ArgumentList Arguments, int Offset) : Expr(Offset);

/// <summary><c>not operand</c>.</summary>
internal sealed record NotExpr(Expr Operand, int Offset) : Expr(Offset);

/// <summary>Unary <c>-</c> or <c>+</c>.</summary>
internal sealed record SignExpr(Expr Operand, bool Negative, int Offset) : Expr(Offset);

/// <summary>Arithmetic (<c>+ - * / // % **</c>) or logic (<c>and</c>, <c>or</c>).</summary>
internal sealed record BinaryExpr(string Operator, Expr Left, Expr Right, int Offset) : Expr(Offset);

/// <summary><c>a ~ b ~ c</c>: the string forms joined.</summary>
internal sealed record ConcatExpr(IReadOnlyList<Expr> Parts, int Offset) : Expr(Offset);

/// <summary>A comparison chain such as <c>a &lt; b &lt;= c</c> or <c>x not in y</c>.</summary>
internal sealed record CompareExpr(Expr First, IReadOnlyList<KeyValuePair<string, Expr>> Operations, int Offset) : Expr(Offset);

/// <summary><c>then if test else otherwise</c>; without <c>else</c> a false test gives undefined.</summary>
internal sealed record ConditionalExpr(Expr Test, Expr Then, Expr? Otherwise, int Offset) : Expr(Offset);
