using System.Text.Json;
using Qrt.Runtime.Json;

namespace Qrt.Runtime.Text;

/// <summary>
/// tokenizer_config.json as transformers writes it: flags such as <c>add_bos_token</c>, the special tokens
/// (each a string or an object with <c>content</c>), <c>added_tokens_decoder</c> and the chat template. A missing
/// file reads as an empty configuration; a malformed one raises <see cref="ModelFileException" />.
/// </summary>
internal sealed class TokenizerConfigFile
{
    private TokenizerConfigFile(string path, JsonElement root)
    {
        Path = path;
        Root = root;
    }

    /// <summary>The file read (or that would have been read), for messages.</summary>
    public string Path { get; }

    /// <summary>The top-level JSON object (an empty object when the file is absent).</summary>
    public JsonElement Root { get; }

    /// <summary>No configuration: every entry absent.</summary>
    public static TokenizerConfigFile Empty { get; } = new(string.Empty, JsonDocument.Parse("{}").RootElement);

    /// <summary>Reads <paramref name="path" />, or an empty configuration when there is no such file.</summary>
    public static TokenizerConfigFile Load(string path)
    {
        if (!File.Exists(path))
        {
            return new TokenizerConfigFile(path, Empty.Root);
        }

        var root = JsonFile.ReadObject(path);
        return new TokenizerConfigFile(path, root);
    }

    /// <summary>
    /// The text of special token <paramref name="name" /> ("bos_token", "eos_token", "unk_token", "pad_token"):
    /// a string, or an AddedToken object's <c>content</c>; null when absent or null.
    /// </summary>
    public string? SpecialToken(string name)
    {
        var token = Section.Property(name);
        return token.Kind switch
        {
            JsonValueKind.Null or JsonValueKind.Undefined => null,
            JsonValueKind.String => token.AsString(),
            JsonValueKind.Object when token.Property("content").Kind == JsonValueKind.String => token.Property("content").AsString(),
            _ => throw new ModelFileException(Path, $"'{name}' must be a string, an object with a 'content' string, or null; found {token.Kind}"),
        };
    }

    /// <summary>The boolean <paramref name="name" />, or null when absent or null.</summary>
    public bool? Flag(string name) => Section.OptionalBool(name);

    /// <summary>The string <paramref name="name" />, or null when absent or null.</summary>
    public string? String(string name) => Section.OptionalString(name);

    /// <summary>The whole file as a section, so errors name the file and the key.</summary>
    private JsonSection Section => new(Path, string.Empty, Root);
}
