using System.Text.Json;

namespace Qrt.Runtime.Json;

/// <summary>Reads the JSON files of a model directory, turning every failure into a <see cref="ModelFileException" />.</summary>
internal static class JsonFile
{
    private static readonly JsonDocumentOptions Options = new()
    {
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
        MaxDepth = 256,
    };

    /// <summary>Parses <paramref name="path" />, which must hold a JSON object.</summary>
    public static JsonElement ReadObject(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new ModelFileException(path, $"cannot be read: {exception.Message}", exception);
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes, Options);
        }
        catch (JsonException exception)
        {
            var where = exception.LineNumber is { } line
                ? $" at line {line + 1}, byte {exception.BytePositionInLine + 1}"
                : string.Empty;
            throw new ModelFileException(path, $"is not valid JSON{where}: {exception.Message}", exception);
        }

        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            throw new ModelFileException(path, $"must hold a JSON object at the top level; found {document.RootElement.ValueKind}");
        }

        return document.RootElement;
    }
}
