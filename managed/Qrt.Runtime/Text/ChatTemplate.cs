using System.Text.Json;
using Qrt.Runtime.Text.Templates;

namespace Qrt.Runtime.Text;

/// <summary>
/// A model's chat template: turns a conversation into the prompt text the model was trained on, rendering the
/// template's Jinja as transformers does (<c>trim_blocks</c> and <c>lstrip_blocks</c> on, loop controls,
/// <c>raise_exception</c>, <c>strftime_now</c>). See <see cref="ChatMessage" /> for how messages appear in the
/// template.
/// </summary>
public sealed class ChatTemplate
{
    private static readonly string[] SpecialTokenNames =
        ["bos_token", "eos_token", "unk_token", "pad_token", "sep_token", "cls_token", "mask_token"];

    private readonly Template _template;
    private readonly TimeProvider _clock;

    private ChatTemplate(Template template, IReadOnlyDictionary<string, string> specialTokens, TimeProvider clock)
    {
        _template = template;
        SpecialTokens = specialTokens;
        _clock = clock;
    }

    /// <summary>Where the template came from (file and entry), or null when parsed from text without an origin.</summary>
    public string? Origin => _template.Origin;

    /// <summary>The special tokens the template sees by name: <c>bos_token</c>, <c>eos_token</c>, ...</summary>
    public IReadOnlyDictionary<string, string> SpecialTokens { get; }

    /// <summary>
    /// Loads the chat template of <paramref name="modelDirectory" />: <c>chat_template.jinja</c>, else
    /// <c>chat_template.json</c>, else the <c>chat_template</c> of <c>processor_config.json</c>, else that of
    /// <c>tokenizer_config.json</c> (a string, or a list of named templates: the one called
    /// <paramref name="templateName" />, by default "default"). The special tokens come from
    /// <c>tokenizer_config.json</c>, each a string or an object with <c>content</c>.
    /// </summary>
    /// <exception cref="ModelFileException">No template, or a file that is malformed; the message names the file.</exception>
    /// <exception cref="TemplateException">The template has a syntax error or an unsupported construct.</exception>
    public static ChatTemplate Load(string modelDirectory, string? templateName = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelDirectory);
        var (text, origin) = ChatTemplateLocator.Find(modelDirectory, templateName);
        var config = TokenizerConfigFile.Load(Path.Combine(modelDirectory, ChatTemplateLocator.TokenizerConfigFileName));
        var specialTokens = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in SpecialTokenNames)
        {
            if (config.SpecialToken(name) is { } token)
            {
                specialTokens[name] = token;
            }
        }

        return new ChatTemplate(Template.Parse(text, origin), specialTokens, TimeProvider.System);
    }

    /// <summary>
    /// Parses template text. <paramref name="origin" /> names it in error messages; <paramref name="specialTokens" />
    /// are the variables such as <c>bos_token</c> it renders with.
    /// </summary>
    /// <exception cref="TemplateException">The template has a syntax error or an unsupported construct.</exception>
    public static ChatTemplate Parse(string source, string? origin = null, IReadOnlyDictionary<string, string>? specialTokens = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        var tokens = new Dictionary<string, string>(specialTokens ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        return new ChatTemplate(Template.Parse(source, origin), tokens, TimeProvider.System);
    }

    /// <summary>The same template reading the time for <c>strftime_now</c> from <paramref name="clock" />.</summary>
    public ChatTemplate WithClock(TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(clock);
        return new ChatTemplate(_template, SpecialTokens, clock);
    }

    /// <summary>
    /// Renders <paramref name="messages" />. <paramref name="addGenerationPrompt" /> asks the template to end with the
    /// start of an assistant turn; <paramref name="tools" /> are JSON tool schemas
    /// (<c>{"type": "function", "function": {...}}</c>), none when null; <paramref name="extra" /> adds variables
    /// (strings, numbers, booleans, JSON, dictionaries, lists), e.g. <c>enable_thinking</c>.
    /// </summary>
    /// <exception cref="TemplateRaisedException">The template rejected the conversation with raise_exception.</exception>
    /// <exception cref="TemplateException">Rendering failed; the message quotes the template location.</exception>
    public string Render(
        IReadOnlyList<ChatMessage> messages,
        bool addGenerationPrompt = true,
        IReadOnlyList<JsonElement>? tools = null,
        IReadOnlyDictionary<string, object?>? extra = null)
    {
        var variables = ChatContextBuilder.Build(messages, addGenerationPrompt, tools, extra, SpecialTokens);
        return _template.Render(variables, _clock);
    }
}
