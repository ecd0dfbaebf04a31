namespace Qrt.Bindings.Generator;

/// <summary>Escapes text for XML doc comments.</summary>
internal static class XmlText
{
    public static string Escape(string text) =>
        text.Replace("&", "&amp;", StringComparison.Ordinal)
            .Replace("<", "&lt;", StringComparison.Ordinal)
            .Replace(">", "&gt;", StringComparison.Ordinal);
}
