using System.Text.Json;
using System.Text.Json.Nodes;
using Qrt.Runtime.Tests.Support;

namespace Qrt.Runtime.Tests.Text.Templates;

/// <summary>
/// Renders templates with Hugging Face's JavaScript Jinja (tests/reference-js/render-template.mjs), all cases of a
/// fixture in one node process. Skips the calling test when node is not installed.
/// </summary>
internal static class JinjaReference
{
    /// <summary>What the reference made of one case: its output, or its error message.</summary>
    public sealed record Result(string? Output, string? Error);

    public static IReadOnlyList<Result> Render(IEnumerable<(string Template, string ContextJson)> cases)
    {
        var input = new JsonArray();
        foreach (var (template, contextJson) in cases)
        {
            input.Add(new JsonObject { ["template"] = template, ["context"] = JsonNode.Parse(contextJson) });
        }

        var output = JsReference.Run("render-template.mjs", input.ToJsonString());
        var results = JsonNode.Parse(output)!.AsArray();
        return results.Select(result => new Result(
            result!["output"]?.GetValue<string>(),
            result["error"]?.GetValue<string>())).ToList();
    }

    /// <summary>Lazily renders <paramref name="cases" /> once for all the tests that need them.</summary>
    public static Lazy<IReadOnlyList<Result>> Once(Func<IEnumerable<(string Template, string ContextJson)>> cases)
        => new(() => Render(cases()), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Serialises an object graph (dictionaries, lists, strings, numbers) as a JSON context.</summary>
    public static string Json(object value) => JsonSerializer.Serialize(value);
}
