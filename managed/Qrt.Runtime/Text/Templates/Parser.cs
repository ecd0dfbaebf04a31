namespace Qrt.Runtime.Text.Templates;

/// <summary>
/// Turns tokens into the template's syntax tree, following Jinja's grammar and operator precedence. Statements are
/// in Parser.Statements.cs, expressions in Parser.Expressions.cs; this part holds the token cursor and errors.
/// Every syntax error and every construct outside the supported subset is a <see cref="TemplateException" />
/// pointing at the offending token.
/// </summary>
internal sealed partial class Parser
{
    private readonly TemplateSource _source;
    private readonly List<Token> _tokens;
    private int _index;

    // Nesting of expressions and blocks; deeper templates are refused instead of exhausting the stack.
    private const int MaximumNesting = 256;
    private int _nesting;

    private Parser(TemplateSource source, List<Token> tokens)
    {
        _source = source;
        _tokens = tokens;
    }

    public static IReadOnlyList<Node> Parse(TemplateSource source, List<Token> tokens)
    {
        var parser = new Parser(source, tokens);
        return parser.ParseTemplate();
    }

    private Token Current => _tokens[_index];

    private Token Peek(int ahead = 1) => _tokens[Math.Min(_index + ahead, _tokens.Count - 1)];

    private Token Advance()
    {
        var token = _tokens[_index];
        if (_index < _tokens.Count - 1)
        {
            _index++;
        }

        return token;
    }

    private bool SkipName(string name)
    {
        if (!Current.IsName(name))
        {
            return false;
        }

        Advance();
        return true;
    }

    private bool SkipOperator(string op)
    {
        if (!Current.IsOperator(op))
        {
            return false;
        }

        Advance();
        return true;
    }

    private Token ExpectOperator(string op)
        => Current.IsOperator(op) ? Advance() : throw Error(Current, $"expected '{op}', found {Current.Describe()}");

    private Token ExpectName(string? what = null)
        => Current.Kind == TokenKind.Name
            ? Advance()
            : throw Error(Current, $"expected {what ?? "a name"}, found {Current.Describe()}");

    private void ExpectBlockEnd(string statement)
    {
        if (Current.Kind != TokenKind.BlockEnd)
        {
            throw Error(Current, $"expected '%}}' to end the '{statement}' tag, found {Current.Describe()}");
        }

        Advance();
    }

    private void Enter()
    {
        if (++_nesting > MaximumNesting)
        {
            throw Error(Current, $"the template nests expressions or blocks more than {MaximumNesting} deep");
        }
    }

    private void Leave() => _nesting--;

    private TemplateException Error(Token token, string problem) => new(_source, token.Offset, problem);

    private TemplateException Error(int offset, string problem) => new(_source, offset, problem);

    private string LineOf(int offset) => _source.Locate(offset).Line.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
