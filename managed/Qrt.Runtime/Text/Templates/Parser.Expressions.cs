namespace Qrt.Runtime.Text.Templates;

/// <summary>
/// Expression parsing with Jinja's precedence, loosest first: conditional (<c>a if b else c</c>), <c>or</c>,
/// <c>and</c>, <c>not</c>, comparisons and <c>in</c>, <c>+ -</c>, <c>~</c>, <c>* / // %</c>, <c>**</c>
/// (left-associative, as in Jinja), unary <c>- +</c>, then primaries with <c>.attr</c>, <c>[index]</c>,
/// calls, filters and tests.
/// </summary>
internal sealed partial class Parser
{
    private static readonly string[] ComparisonOperators = ["==", "!=", "<", "<=", ">", ">="];

    // Names mentioned inside the macro being parsed (null outside macros).
    private HashSet<string>? _mentionedNames;

    private Expr ParseExpression(bool withCondition)
    {
        Enter();
        var expression = withCondition ? ParseConditional() : ParseOr();
        Leave();
        return expression;
    }

    private Expr ParseConditional()
    {
        var expression = ParseOr();
        while (Current.IsName("if"))
        {
            var keyword = Advance();
            var test = ParseOr();
            Expr? otherwise = null;
            if (SkipName("else"))
            {
                otherwise = ParseConditional();
            }

            expression = new ConditionalExpr(test, expression, otherwise, keyword.Offset);
        }

        return expression;
    }

    private Expr ParseOr()
    {
        var left = ParseAnd();
        while (Current.IsName("or"))
        {
            var op = Advance();
            left = new BinaryExpr("or", left, ParseAnd(), op.Offset);
        }

        return left;
    }

    private Expr ParseAnd()
    {
        var left = ParseNot();
        while (Current.IsName("and"))
        {
            var op = Advance();
            left = new BinaryExpr("and", left, ParseNot(), op.Offset);
        }

        return left;
    }

    private Expr ParseNot()
    {
        if (Current.IsName("not"))
        {
            var op = Advance();
            Enter();
            var operand = ParseNot();
            Leave();
            return new NotExpr(operand, op.Offset);
        }

        return ParseCompare();
    }

    private Expr ParseCompare()
    {
        var first = ParseAdditive();
        var operations = new List<KeyValuePair<string, Expr>>();
        var offset = Current.Offset;
        while (true)
        {
            if (Current.Kind == TokenKind.Operator && ComparisonOperators.Contains(Current.Value))
            {
                var op = Advance();
                operations.Add(new(op.Value, ParseAdditive()));
            }
            else if (Current.IsName("in"))
            {
                Advance();
                operations.Add(new("in", ParseAdditive()));
            }
            else if (Current.IsName("not") && Peek().IsName("in"))
            {
                Advance();
                Advance();
                operations.Add(new("not in", ParseAdditive()));
            }
            else
            {
                break;
            }
        }

        return operations.Count == 0 ? first : new CompareExpr(first, operations, offset);
    }

    private Expr ParseAdditive()
    {
        var left = ParseConcat();
        while (Current.IsOperator("+") || Current.IsOperator("-"))
        {
            var op = Advance();
            left = new BinaryExpr(op.Value, left, ParseConcat(), op.Offset);
        }

        return left;
    }

    private Expr ParseConcat()
    {
        var start = Current.Offset;
        var parts = new List<Expr> { ParseMultiplicative() };
        while (Current.IsOperator("~"))
        {
            Advance();
            parts.Add(ParseMultiplicative());
        }

        return parts.Count == 1 ? parts[0] : new ConcatExpr(parts, start);
    }

    private Expr ParseMultiplicative()
    {
        var left = ParsePower();
        while (Current.Kind == TokenKind.Operator && Current.Value is "*" or "/" or "//" or "%")
        {
            var op = Advance();
            left = new BinaryExpr(op.Value, left, ParsePower(), op.Offset);
        }

        return left;
    }

    private Expr ParsePower()
    {
        var left = ParseUnary(withFilter: true);
        while (Current.IsOperator("**"))
        {
            var op = Advance();
            left = new BinaryExpr("**", left, ParseUnary(withFilter: true), op.Offset);
        }

        return left;
    }

    private Expr ParseUnary(bool withFilter)
    {
        Expr node;
        if (Current.IsOperator("-") || Current.IsOperator("+"))
        {
            var op = Advance();
            Enter();
            node = new SignExpr(ParseUnary(withFilter: false), op.Value == "-", op.Offset);
            Leave();
        }
        else
        {
            node = ParsePrimary();
        }

        node = ParsePostfix(node);
        return withFilter ? ParseFilterAndTest(node) : node;
    }

    private Expr ParsePrimary()
    {
        var token = Current;
        switch (token.Kind)
        {
            case TokenKind.Name:
                Advance();
                switch (token.Value)
                {
                    case "true" or "True":
                        return new LiteralExpr(true, token.Offset);
                    case "false" or "False":
                        return new LiteralExpr(false, token.Offset);
                    case "none" or "None":
                        return new LiteralExpr(null, token.Offset);
                    default:
                        _mentionedNames?.Add(token.Value);
                        return new NameExpr(token.Value, token.Offset);
                }

            case TokenKind.String:
                Advance();
                var text = token.Value;
                while (Current.Kind == TokenKind.String)
                {
                    text += Advance().Value;
                }

                return new LiteralExpr(text, token.Offset);
            case TokenKind.Integer or TokenKind.Float:
                Advance();
                return new LiteralExpr(token.Number, token.Offset);
            case TokenKind.Operator when token.Value == "(":
                Advance();
                var inner = ParseTuple(withCondition: true, explicitParentheses: true);
                ExpectOperator(")");
                return inner;
            case TokenKind.Operator when token.Value == "[":
                Advance();
                var items = new List<Expr>();
                while (!Current.IsOperator("]"))
                {
                    if (items.Count > 0)
                    {
                        ExpectOperator(",");
                        if (Current.IsOperator("]"))
                        {
                            break;
                        }
                    }

                    items.Add(ParseExpression(withCondition: true));
                }

                Advance();
                return new ListExpr(items, token.Offset);
            case TokenKind.Operator when token.Value == "{":
                Advance();
                var entries = new List<KeyValuePair<Expr, Expr>>();
                while (!Current.IsOperator("}"))
                {
                    if (entries.Count > 0)
                    {
                        ExpectOperator(",");
                        if (Current.IsOperator("}"))
                        {
                            break;
                        }
                    }

                    var key = ParseExpression(withCondition: true);
                    ExpectOperator(":");
                    entries.Add(new(key, ParseExpression(withCondition: true)));
                }

                Advance();
                return new DictExpr(entries, token.Offset);
            default:
                throw Error(token, $"expected an expression, found {token.Describe()}");
        }
    }

    // Jinja's parse_tuple: one expression, or several separated by commas (a tuple); '()' is the empty tuple.
    private Expr ParseTuple(bool withCondition, string[]? extraEnds = null, bool explicitParentheses = false)
    {
        var start = Current.Offset;
        var items = new List<Expr>();
        var isTuple = false;
        while (true)
        {
            if (items.Count > 0)
            {
                ExpectOperator(",");
            }

            if (IsTupleEnd(extraEnds))
            {
                break;
            }

            items.Add(ParseExpression(withCondition));
            if (Current.IsOperator(","))
            {
                isTuple = true;
            }
            else
            {
                break;
            }
        }

        if (!isTuple)
        {
            if (items.Count == 1)
            {
                return items[0];
            }

            if (!explicitParentheses)
            {
                throw Error(Current, $"expected an expression, found {Current.Describe()}");
            }
        }

        return new TupleExpr(items, start);
    }

    private bool IsTupleEnd(string[]? extraEnds)
        => Current.Kind is TokenKind.VariableEnd or TokenKind.BlockEnd or TokenKind.End
           || Current.IsOperator(")")
           || (extraEnds is not null && Current.Kind == TokenKind.Name && extraEnds.Contains(Current.Value));

    private Expr ParsePostfix(Expr node)
    {
        while (true)
        {
            if (Current.IsOperator(".") || Current.IsOperator("["))
            {
                node = ParseSubscript(node);
            }
            else if (Current.IsOperator("("))
            {
                node = ParseCall(node);
            }
            else
            {
                return node;
            }
        }
    }

    private Expr ParseFilterAndTest(Expr node)
    {
        while (true)
        {
            if (Current.IsOperator("|"))
            {
                Advance();
                node = ParseFilterCall(node);
            }
            else if (Current.IsName("is"))
            {
                node = ParseTest(node);
            }
            else if (Current.IsOperator("("))
            {
                node = ParseCall(node);
            }
            else
            {
                return node;
            }
        }
    }

    private Expr ParseSubscript(Expr node)
    {
        var token = Advance();
        if (token.Value == ".")
        {
            var attribute = Current;
            if (attribute.Kind == TokenKind.Name)
            {
                Advance();
                return new AttributeExpr(node, attribute.Value, attribute.Offset);
            }

            if (attribute.Kind == TokenKind.Integer)
            {
                Advance();
                return new ItemExpr(node, new LiteralExpr(attribute.Number, attribute.Offset), attribute.Offset);
            }

            throw Error(attribute, $"expected an attribute name after '.', found {attribute.Describe()}");
        }

        var indexes = new List<Expr>();
        while (!Current.IsOperator("]"))
        {
            if (indexes.Count > 0)
            {
                ExpectOperator(",");
            }

            indexes.Add(ParseSubscribed());
        }

        Advance();
        if (indexes.Count == 0)
        {
            throw Error(token, "expected an index or slice inside '[]'");
        }

        var index = indexes.Count == 1 ? indexes[0] : new TupleExpr(indexes, indexes[0].Offset);
        return new ItemExpr(node, index, token.Offset);
    }

    private Expr ParseSubscribed()
    {
        var start = Current.Offset;
        var parts = new List<Expr?>();
        if (Current.IsOperator(":"))
        {
            Advance();
            parts.Add(null);
        }
        else
        {
            var expression = ParseExpression(withCondition: true);
            if (!Current.IsOperator(":"))
            {
                return expression;
            }

            Advance();
            parts.Add(expression);
        }

        parts.Add(Current.IsOperator(":") || Current.IsOperator("]") || Current.IsOperator(",") ? null : ParseExpression(withCondition: true));
        if (SkipOperator(":"))
        {
            parts.Add(Current.IsOperator("]") || Current.IsOperator(",") ? null : ParseExpression(withCondition: true));
        }
        else
        {
            parts.Add(null);
        }

        return new SliceExpr(parts[0], parts[1], parts[2], start);
    }

    private CallExpr ParseCall(Expr callee)
    {
        var open = Current;
        return new CallExpr(callee, ParseArguments(), callee is AttributeExpr or NameExpr ? callee.Offset : open.Offset);
    }

    private ArgumentList ParseArguments()
    {
        ExpectOperator("(");
        var positional = new List<Expr>();
        var keywords = new List<KeyValuePair<string, Expr>>();
        Expr? dynamicPositional = null;
        Expr? dynamicKeywords = null;
        var first = true;
        while (!Current.IsOperator(")"))
        {
            if (!first)
            {
                ExpectOperator(",");
                if (Current.IsOperator(")"))
                {
                    break;
                }
            }

            first = false;
            var token = Current;
            if (SkipOperator("*"))
            {
                EnsureArgumentOrder(token, dynamicPositional is null && dynamicKeywords is null);
                dynamicPositional = ParseExpression(withCondition: true);
            }
            else if (SkipOperator("**"))
            {
                EnsureArgumentOrder(token, dynamicKeywords is null);
                dynamicKeywords = ParseExpression(withCondition: true);
            }
            else if (token.Kind == TokenKind.Name && Peek().IsOperator("="))
            {
                EnsureArgumentOrder(token, dynamicKeywords is null);
                Advance();
                Advance();
                if (keywords.Any(pair => pair.Key == token.Value))
                {
                    throw Error(token, $"keyword argument '{token.Value}' repeated");
                }

                keywords.Add(new(token.Value, ParseExpression(withCondition: true)));
            }
            else
            {
                EnsureArgumentOrder(token, dynamicPositional is null && dynamicKeywords is null && keywords.Count == 0);
                positional.Add(ParseExpression(withCondition: true));
            }
        }

        Advance();
        return new ArgumentList(positional, keywords, dynamicPositional, dynamicKeywords);
    }

    private void EnsureArgumentOrder(Token token, bool inOrder)
    {
        if (!inOrder)
        {
            throw Error(token, "invalid argument order: positional arguments, then keyword arguments, then *args and **kwargs");
        }
    }

    private FilterExpr ParseFilterCall(Expr? operand)
    {
        // As in Jinja 3, an unknown filter or test is an error when evaluated, not when parsed, so a template whose
        // untaken branches use one still renders.
        var name = ParseDottedName("a filter name");
        var arguments = Current.IsOperator("(") ? ParseArguments() : ArgumentList.Empty;
        return new FilterExpr(operand, name.Value, arguments, name.Offset);
    }

    private Expr ParseTest(Expr operand)
    {
        var keyword = Advance();
        var negated = SkipName("not");
        var name = ParseDottedName("a test name");
        var arguments = ArgumentList.Empty;
        if (Current.IsOperator("("))
        {
            arguments = ParseArguments();
        }
        else if ((Current.Kind is TokenKind.Name or TokenKind.String or TokenKind.Integer or TokenKind.Float
                  || Current.IsOperator("[") || Current.IsOperator("{"))
                 && !(Current.IsName("else") || Current.IsName("or") || Current.IsName("and")))
        {
            if (Current.IsName("is"))
            {
                throw Error(Current, "tests cannot be chained with 'is'");
            }

            var argument = ParsePostfix(ParsePrimary());
            arguments = new ArgumentList([argument], [], null, null);
        }

        Expr test = new TestExpr(operand, name.Value, arguments, name.Offset);
        return negated ? new NotExpr(test, keyword.Offset) : test;
    }

    private (string Value, int Offset) ParseDottedName(string what)
    {
        var first = ExpectName(what);
        var name = first.Value;
        while (Current.IsOperator(".") && Peek().Kind == TokenKind.Name)
        {
            Advance();
            name += "." + Advance().Value;
        }

        return (name, first.Offset);
    }
}
