namespace Qrt.Runtime.Text.Templates;

/// <summary>
/// A parsed Jinja template, ready to render many times (and from several threads: rendering keeps its state per
/// call). Parsed with transformers' chat-template settings by default: <c>trim_blocks</c> and
/// <c>lstrip_blocks</c> on, loop controls and <c>{% generation %}</c> enabled.
/// </summary>
internal sealed class Template
{
    private readonly TemplateSource _source;
    private readonly IReadOnlyList<Node> _body;

    private Template(TemplateSource source, IReadOnlyList<Node> body)
    {
        _source = source;
        _body = body;
    }

    /// <summary>Where the template came from, for messages; null for text given directly.</summary>
    public string? Origin => _source.Origin;

    /// <summary>Parses <paramref name="text" />; syntax errors raise <see cref="TemplateException" />.</summary>
    public static Template Parse(string text, string? origin, bool trimBlocks = true, bool lstripBlocks = true)
    {
        ArgumentNullException.ThrowIfNull(text);
        var source = new TemplateSource(text, origin);
        var tokens = Lexer.Tokenize(source, trimBlocks, lstripBlocks);
        return new Template(source, Parser.Parse(source, tokens));
    }

    /// <summary>Renders with <paramref name="variables" /> (already template values) on top of the globals.</summary>
    public string Render(IReadOnlyDictionary<string, object?> variables, TimeProvider? clock = null)
    {
        var scope = new Scope(Globals.Create(clock ?? TimeProvider.System));
        foreach (var pair in variables)
        {
            scope.Set(pair.Key, TemplateValueConverter.FromDotNet(pair.Value, pair.Key));
        }

        try
        {
            return new Interpreter().Render(_body, scope);
        }
        catch (TemplateRuntimeError error)
        {
            throw error.ToTemplateException(_source);
        }
        catch (InsufficientExecutionStackException exception)
        {
            throw new TemplateException(_source, 0, "the template nests too deeply to render", exception);
        }
    }
}
