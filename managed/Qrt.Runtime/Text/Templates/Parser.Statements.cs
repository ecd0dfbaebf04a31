namespace Qrt.Runtime.Text.Templates;

/// <summary>Statement parsing: template bodies and the <c>{% ... %}</c> tags.</summary>
internal sealed partial class Parser
{
    // Jinja statements (and extensions) that exist but that chat templates do not need.
    private static readonly HashSet<string> UnsupportedStatements = new(StringComparer.Ordinal)
    {
        "block", "extends", "include", "import", "from", "autoescape", "do", "trans", "pluralize", "debug",
    };

    // Open blocks, innermost last, for errors about a missing or misplaced end tag.
    private readonly List<(string Keyword, int Offset, string[] Ends)> _openBlocks = [];

    // How many loops enclose the current point within the current macro (break/continue need one).
    private int _loopDepth;

    private List<Node> ParseTemplate()
    {
        var body = ParseBody(null);
        if (Current.Kind != TokenKind.End)
        {
            throw Error(Current, $"unexpected {Current.Describe()}");
        }

        return body;
    }

    // Parses nodes until a '{% end... %}' tag named in endNames (left unconsumed, cursor on its name) or the end.
    private List<Node> ParseBody(string[]? endNames)
    {
        var body = new List<Node>();
        while (true)
        {
            var token = Current;
            switch (token.Kind)
            {
                case TokenKind.Text:
                    Advance();
                    body.Add(new TextNode(token.Value, token.Offset));
                    break;
                case TokenKind.VariableBegin:
                    Advance();
                    var value = ParseTuple(withCondition: true);
                    if (Current.Kind != TokenKind.VariableEnd)
                    {
                        throw Error(Current, $"expected '}}}}' to end the expression, found {Current.Describe()}");
                    }

                    Advance();
                    body.Add(new PrintNode(value, token.Offset));
                    break;
                case TokenKind.BlockBegin:
                    Advance();
                    if (endNames is not null && Current.Kind == TokenKind.Name && endNames.Contains(Current.Value))
                    {
                        return body;
                    }

                    body.Add(ParseStatement(token));
                    break;
                case TokenKind.End:
                    if (endNames is not null)
                    {
                        var (keyword, offset, ends) = _openBlocks[^1];
                        throw Error(offset, $"the '{keyword}' opened here is never closed: expected {DescribeNames(ends)}");
                    }

                    return body;
                default:
                    throw Error(token, $"unexpected {token.Describe()}");
            }
        }
    }

    private List<Node> ParseBlockBody(string keyword, int offset, string[] ends)
    {
        Enter();
        _openBlocks.Add((keyword, offset, ends));
        var body = ParseBody(ends);
        _openBlocks.RemoveAt(_openBlocks.Count - 1);
        Leave();
        return body;
    }

    private Node ParseStatement(Token begin)
    {
        var name = Current;
        if (name.Kind != TokenKind.Name)
        {
            throw Error(name, $"expected a statement name after '{{%', found {name.Describe()}");
        }

        switch (name.Value)
        {
            case "if":
                return ParseIf(begin);
            case "for":
                return ParseFor(begin);
            case "set":
                return ParseSet(begin);
            case "macro":
                return ParseMacro(begin);
            case "call":
                return ParseCallBlock(begin);
            case "filter":
                return ParseFilterBlock(begin);
            case "with":
                return ParseWith(begin);
            case "print":
                Advance();
                var value = ParseTuple(withCondition: true);
                ExpectBlockEnd("print");
                return new PrintNode(value, begin.Offset);
            case "generation":
                Advance();
                ExpectBlockEnd("generation");
                var body = ParseBlockBody("generation", begin.Offset, ["endgeneration"]);
                Advance();
                ExpectBlockEnd("endgeneration");
                return new GroupNode(body, begin.Offset);
            case "break" or "continue":
                Advance();
                if (_loopDepth == 0)
                {
                    throw Error(name, $"'{name.Value}' outside of a loop");
                }

                ExpectBlockEnd(name.Value);
                return name.Value == "break" ? new BreakNode(begin.Offset) : new ContinueNode(begin.Offset);
        }

        if (UnsupportedStatements.Contains(name.Value))
        {
            throw Error(name, $"the '{{% {name.Value} %}}' statement is not supported in chat templates");
        }

        if (_openBlocks.Count > 0 && (name.Value.StartsWith("end", StringComparison.Ordinal) || name.Value is "else" or "elif"))
        {
            var (keyword, offset, ends) = _openBlocks[^1];
            throw Error(name, $"unexpected '{name.Value}': expected {DescribeNames(ends)} for the '{keyword}' at line {LineOf(offset)}");
        }

        if (name.Value.StartsWith("end", StringComparison.Ordinal) || name.Value is "else" or "elif")
        {
            throw Error(name, $"unexpected '{name.Value}': no block is open");
        }

        throw Error(name, $"unknown statement '{name.Value}'");
    }

    private IfNode ParseIf(Token begin)
    {
        Advance();
        var branches = new List<IfBranch>();
        IReadOnlyList<Node> otherwise = [];
        var test = ParseTuple(withCondition: false);
        ExpectBlockEnd("if");
        while (true)
        {
            var body = ParseBlockBody("if", begin.Offset, ["elif", "else", "endif"]);
            branches.Add(new IfBranch(test, body));
            var keyword = Advance();
            if (keyword.Value == "elif")
            {
                test = ParseTuple(withCondition: false);
                ExpectBlockEnd("elif");
                continue;
            }

            if (keyword.Value == "else")
            {
                ExpectBlockEnd("else");
                otherwise = ParseBlockBody("if", begin.Offset, ["endif"]);
                Advance();
            }

            ExpectBlockEnd("endif");
            return new IfNode(branches, otherwise, begin.Offset);
        }
    }

    private ForNode ParseFor(Token begin)
    {
        Advance();
        var target = ParseAssignTarget(allowNamespace: false);
        if (!SkipName("in"))
        {
            throw Error(Current, $"expected 'in' after the loop variable, found {Current.Describe()}");
        }

        var iterable = ParseTuple(withCondition: false, extraEnds: ["recursive"]);
        Expr? filter = null;
        if (SkipName("if"))
        {
            filter = ParseExpression(withCondition: true);
        }

        if (Current.IsName("recursive"))
        {
            throw Error(Current, "recursive loops are not supported in chat templates");
        }

        ExpectBlockEnd("for");
        _loopDepth++;
        var body = ParseBlockBody("for", begin.Offset, ["else", "endfor"]);
        _loopDepth--;
        IReadOnlyList<Node> otherwise = [];
        if (Advance().Value == "else")
        {
            ExpectBlockEnd("else");
            otherwise = ParseBlockBody("for", begin.Offset, ["endfor"]);
            Advance();
        }

        ExpectBlockEnd("endfor");
        return new ForNode(target, iterable, filter, body, otherwise, begin.Offset);
    }

    private Node ParseSet(Token begin)
    {
        Advance();
        var target = ParseAssignTarget(allowNamespace: true);
        if (SkipOperator("="))
        {
            var value = ParseTuple(withCondition: true);
            ExpectBlockEnd("set");
            return new SetNode(target, value, begin.Offset);
        }

        var filters = new List<FilterExpr>();
        while (Current.IsOperator("|"))
        {
            Advance();
            filters.Add(ParseFilterCall(null));
        }

        ExpectBlockEnd("set");
        var body = ParseBlockBody("set", begin.Offset, ["endset"]);
        Advance();
        ExpectBlockEnd("endset");
        return new SetBlockNode(target, filters, body, begin.Offset);
    }

    private MacroNode ParseMacro(Token begin)
    {
        Advance();
        var name = ExpectName("the macro's name");
        var parameters = ParseParameters();
        ExpectBlockEnd("macro");
        var macro = ParseMacroBody(name.Value, parameters, "macro", begin.Offset, "endmacro");
        return new MacroNode(macro, begin.Offset);
    }

    private CallBlockNode ParseCallBlock(Token begin)
    {
        Advance();
        var parameters = Current.IsOperator("(") ? ParseParameters() : [];
        var call = ParseExpression(withCondition: true);
        if (call is not CallExpr callExpr)
        {
            throw Error(call.Offset, "'{% call %}' must be followed by a macro call");
        }

        ExpectBlockEnd("call");
        var caller = ParseMacroBody("caller", parameters, "call", begin.Offset, "endcall");
        return new CallBlockNode(callExpr, caller, begin.Offset);
    }

    private MacroDefinition ParseMacroBody(string name, List<MacroParameter> parameters, string keyword, int offset, string end)
    {
        // A macro body is its own world: loops outside it do not allow break inside it, and the names it mentions
        // decide whether it takes varargs, kwargs and caller.
        var outerLoopDepth = _loopDepth;
        var outerNames = _mentionedNames;
        _loopDepth = 0;
        _mentionedNames = new HashSet<string>(StringComparer.Ordinal);
        var body = ParseBlockBody(keyword, offset, [end]);
        var mentioned = _mentionedNames;
        _loopDepth = outerLoopDepth;
        _mentionedNames = outerNames;
        if (_mentionedNames is not null)
        {
            _mentionedNames.UnionWith(mentioned);
        }

        Advance();
        ExpectBlockEnd(end);
        return new MacroDefinition(
            name, parameters, body, mentioned.Contains("varargs"), mentioned.Contains("kwargs"), mentioned.Contains("caller"));
    }

    private List<MacroParameter> ParseParameters()
    {
        ExpectOperator("(");
        var parameters = new List<MacroParameter>();
        while (!Current.IsOperator(")"))
        {
            if (parameters.Count > 0)
            {
                ExpectOperator(",");
                if (Current.IsOperator(")"))
                {
                    break;
                }
            }

            var name = ExpectName("a parameter name");
            if (parameters.Any(p => p.Name == name.Value))
            {
                throw Error(name, $"duplicate parameter '{name.Value}'");
            }

            Expr? defaultValue = null;
            if (SkipOperator("="))
            {
                defaultValue = ParseExpression(withCondition: true);
            }
            else if (parameters.Count > 0 && parameters[^1].Default is not null)
            {
                throw Error(name, "a parameter without a default cannot follow one with a default");
            }

            parameters.Add(new MacroParameter(name.Value, defaultValue));
        }

        Advance();
        return parameters;
    }

    private FilterBlockNode ParseFilterBlock(Token begin)
    {
        Advance();
        var filters = new List<FilterExpr> { ParseFilterCall(null) };
        while (SkipOperator("|"))
        {
            filters.Add(ParseFilterCall(null));
        }

        ExpectBlockEnd("filter");
        var body = ParseBlockBody("filter", begin.Offset, ["endfilter"]);
        Advance();
        ExpectBlockEnd("endfilter");
        return new FilterBlockNode(filters, body, begin.Offset);
    }

    private WithNode ParseWith(Token begin)
    {
        Advance();
        var assignments = new List<KeyValuePair<AssignTarget, Expr>>();
        while (Current.Kind != TokenKind.BlockEnd)
        {
            if (assignments.Count > 0)
            {
                ExpectOperator(",");
            }

            var target = ParseAssignTarget(allowNamespace: false);
            ExpectOperator("=");
            assignments.Add(new(target, ParseExpression(withCondition: true)));
        }

        ExpectBlockEnd("with");
        var body = ParseBlockBody("with", begin.Offset, ["endwith"]);
        Advance();
        ExpectBlockEnd("endwith");
        return new WithNode(assignments, body, begin.Offset);
    }

    private AssignTarget ParseAssignTarget(bool allowNamespace)
    {
        if (allowNamespace && Current.Kind == TokenKind.Name && Peek().IsOperator(".") && Peek(2).Kind == TokenKind.Name)
        {
            var ns = Advance();
            Advance();
            var attribute = Advance();
            return new NamespaceTarget(ns.Value, attribute.Value, ns.Offset);
        }

        var start = Current.Offset;
        var items = new List<AssignTarget> { ParseTargetPrimary() };
        var isTuple = false;
        while (Current.IsOperator(","))
        {
            Advance();
            isTuple = true;
            if (Current.IsName("in") || Current.IsOperator("=") || Current.Kind == TokenKind.BlockEnd)
            {
                break;
            }

            items.Add(ParseTargetPrimary());
        }

        return isTuple ? new TupleTarget(items, start) : items[0];
    }

    private AssignTarget ParseTargetPrimary()
    {
        if (Current.IsOperator("("))
        {
            var open = Advance();
            var items = new List<AssignTarget>();
            while (!Current.IsOperator(")"))
            {
                if (items.Count > 0)
                {
                    ExpectOperator(",");
                    if (Current.IsOperator(")"))
                    {
                        break;
                    }
                }

                items.Add(ParseTargetPrimary());
            }

            Advance();
            return new TupleTarget(items, open.Offset);
        }

        var name = Current;
        if (name.Kind != TokenKind.Name || name.Value is "true" or "false" or "none" or "True" or "False" or "None")
        {
            throw Error(name, $"cannot assign to {name.Describe()}");
        }

        Advance();
        return new NameTarget(name.Value, name.Offset);
    }

    private static string DescribeNames(string[] names)
        => names.Length == 1
            ? $"'{{% {names[0]} %}}'"
            : string.Join(", ", names[..^1].Select(n => $"'{{% {n} %}}'")) + $" or '{{% {names[^1]} %}}'";
}
