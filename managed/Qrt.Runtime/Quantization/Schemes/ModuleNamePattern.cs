using System.Text.RegularExpressions;

namespace Qrt.Runtime.Quantization.Schemes;

/// <summary>
/// A compressed-tensors target or ignore entry: "re:&lt;regex&gt;" matches a module name the way Python's
/// <c>re.match</c> does (anchored at the start only, so "re:.*lm_head" also matches "lm_head_extra"), and
/// anything else must equal the module name or, for class targets such as "Linear", the module's class.
/// </summary>
internal sealed class ModuleNamePattern
{
    private const string RegexPrefix = "re:";

    private readonly Regex? _regex;

    private ModuleNamePattern(string text, Regex? regex)
    {
        Text = text;
        _regex = regex;
    }

    /// <summary>The entry as written in config.json.</summary>
    public string Text { get; }

    /// <summary>Whether this is a "re:" pattern.</summary>
    public bool IsRegex => _regex is not null;

    /// <summary>
    /// Parses an entry; returns null with <paramref name="problem" /> set when the regex does not compile.
    /// </summary>
    public static ModuleNamePattern? TryParse(string text, out string? problem)
    {
        problem = null;
        if (!text.StartsWith(RegexPrefix, StringComparison.Ordinal))
        {
            return new ModuleNamePattern(text, null);
        }

        try
        {
            // Python spells named groups (?P<name>...) and back references (?P=name); .NET has no P.
            var pattern = text[RegexPrefix.Length..].Replace("(?P<", "(?<", StringComparison.Ordinal);
            pattern = Regex.Replace(pattern, @"\(\?P=(\w+)\)", @"\k<$1>");
            return new ModuleNamePattern(text, new Regex(pattern, RegexOptions.CultureInvariant));
        }
        catch (ArgumentException exception)
        {
            problem = exception.Message;
            return null;
        }
    }

    /// <summary>Whether the module name matches: equal, or the regex matches at its start.</summary>
    public bool MatchesName(string moduleName)
    {
        if (_regex is null)
        {
            return Text == moduleName;
        }

        // The leftmost match starts at 0 whenever any match can start there, which is re.match's question.
        var match = _regex.Match(moduleName);
        return match.Success && match.Index == 0;
    }

    /// <summary>Whether a plain entry names the module's class (a regex never does: class names have no ':').</summary>
    public bool MatchesClass(string moduleClass) => _regex is null && Text == moduleClass;
}
