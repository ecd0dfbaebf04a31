using System.Text.Json;
using JinjaTemplate = Qrt.Runtime.Text.Templates.Template;

namespace Qrt.Runtime.Tests.Text.Templates;

/// <summary>A template with the variables it renders with (a JSON object), named for test output.</summary>
internal sealed record TemplateCase(string Name, string Template, string Context)
{
    public override string ToString() => Name;

    /// <summary>Renders with Qrt's interpreter and the fixed test clock.</summary>
    public string RenderWithQrt() => JinjaTemplate.Parse(Template, null).Render(Variables(Context), FixedClock.Instance);

    /// <summary>The top-level properties of a JSON object, as template variables.</summary>
    public static Dictionary<string, object?> Variables(string contextJson)
    {
        using var document = JsonDocument.Parse(contextJson);
        return document.RootElement.EnumerateObject().ToDictionary(property => property.Name, property => (object?)property.Value.Clone());
    }
}
