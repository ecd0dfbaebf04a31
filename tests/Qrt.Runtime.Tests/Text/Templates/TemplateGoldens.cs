using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Qrt.Runtime.Tests.Support;

namespace Qrt.Runtime.Tests.Text.Templates;

/// <summary>
/// The chat-template goldens in tests/goldens/templates, written by tests/reference/template_goldens.py: what
/// transformers' apply_chat_template (jinja2 in transformers' environment) renders for each conversation of
/// chat-conversations.json, and in manifest.json the SHA-256 of every template text it rendered.
/// </summary>
internal static class TemplateGoldens
{
    private static readonly Lazy<JsonElement> Rendered = new(() => Read("chat-templates.json"), LazyThreadSafetyMode.ExecutionAndPublication);

    private static readonly Lazy<JsonElement> LoadedManifest = new(() => Read("manifest.json"), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>manifest.json: versions, the clock, the special tokens and the templates' hashes.</summary>
    public static JsonElement Manifest => LoadedManifest.Value;

    /// <summary>What transformers rendered for a real template ("real_templates") or a format template ("format_templates").</summary>
    public static string Output(string set, string template, string conversation)
    {
        if (!Rendered.Value.GetProperty(set).GetProperty(template).TryGetProperty(conversation, out var result))
        {
            throw new InvalidDataException($"the template goldens have no '{conversation}' for {template}; regenerate them");
        }

        return result.TryGetProperty("output", out var output)
            ? output.GetString()!
            : throw new InvalidDataException($"transformers failed to render '{conversation}' with {template}: {result.GetProperty("error").GetString()}");
    }

    /// <summary>The conversations the goldens hold for <paramref name="template" /> of <paramref name="set" />.</summary>
    public static IEnumerable<string> Conversations(string set, string template) =>
        Rendered.Value.GetProperty(set).GetProperty(template).EnumerateObject().Select(conversation => conversation.Name);

    /// <summary>The SHA-256 (lower-case hex) of a template's UTF-8 text, as the manifest records it.</summary>
    public static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private static JsonElement Read(string file)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(ReferenceFiles.Golden("templates", file)));
        return document.RootElement.Clone();
    }
}
