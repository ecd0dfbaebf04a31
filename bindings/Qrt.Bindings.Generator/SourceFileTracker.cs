using System.Text.Json;

namespace Qrt.Bindings.Generator;

/// <summary>
/// Follows which file clang's JSON AST is talking about. To keep the dump small clang writes a location's
/// "file" only when it differs from the previously written location, so the file of any node is the last
/// "file" seen in document order (an "includedFrom" object names the includer, not the location, and is skipped).
/// </summary>
internal sealed class SourceFileTracker
{
    /// <summary>The file of the most recently walked location, or null before the first one.</summary>
    public string? CurrentFile { get; private set; }

    /// <summary>Walks <paramref name="element" /> in document order, updating <see cref="CurrentFile" />.</summary>
    public void Walk(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (property.NameEquals("includedFrom"))
                    {
                        continue;
                    }

                    if (property.NameEquals("file") && property.Value.ValueKind == JsonValueKind.String)
                    {
                        CurrentFile = property.Value.GetString();
                        continue;
                    }

                    Walk(property.Value);
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    Walk(item);
                }

                break;
        }
    }

    /// <summary>
    /// Walks a top-level declaration and returns the file its own location ("loc") is in, tracking every
    /// location inside it so that the next declaration starts from the right file.
    /// </summary>
    public string? WalkDeclaration(JsonElement node)
    {
        string? declarationFile = null;
        var sawLocation = false;
        foreach (var property in node.EnumerateObject())
        {
            if (property.NameEquals("loc"))
            {
                Walk(property.Value);
                declarationFile = CurrentFile;
                sawLocation = property.Value.ValueKind == JsonValueKind.Object
                    && property.Value.EnumerateObject().Any();
            }
            else
            {
                Walk(property.Value);
            }
        }

        return sawLocation ? declarationFile : null;
    }
}
