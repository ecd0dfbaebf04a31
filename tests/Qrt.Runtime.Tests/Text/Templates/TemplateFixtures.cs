namespace Qrt.Runtime.Tests.Text.Templates;

/// <summary>The chat templates written for the tests (Fixtures/*.jinja, copied next to the test assembly).</summary>
internal static class TemplateFixtures
{
    public const string Pixtral12B = "pixtral-12b";
    public const string PixtralLarge = "pixtral-large";
    public const string Qwen2VL = "qwen2-vl";
    public const string MistralV3Tools = "mistral-v3-tools";

    public static string PathOf(string name)
        => Path.Combine(TestContext.CurrentContext.TestDirectory, "Text", "Templates", "Fixtures", name + ".jinja");

    public static string Text(string name) => File.ReadAllText(PathOf(name));
}
