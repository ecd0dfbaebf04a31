using System.Text.Json;
using Qrt.Runtime.Json;

namespace Qrt.Runtime.Text.Templates;

/// <summary>
/// Finds a model directory's chat template the way transformers does: <c>chat_template.jinja</c>, else
/// <c>chat_template.json</c> (<c>{"chat_template": "..."}</c>), else the <c>chat_template</c> entry of
/// <c>processor_config.json</c> (where older processors of vision-language models saved it), else that of
/// <c>tokenizer_config.json</c>, which is a string or a list of <c>{"name", "template"}</c> (the one named
/// "default" unless a name is asked for).
/// </summary>
internal static class ChatTemplateLocator
{
    public const string JinjaFileName = "chat_template.jinja";
    public const string JsonFileName = "chat_template.json";
    public const string ProcessorConfigFileName = "processor_config.json";
    public const string TokenizerConfigFileName = "tokenizer_config.json";

    /// <summary>Whether <paramref name="modelDirectory" /> holds a chat template in any of the places <see cref="Find" /> looks.</summary>
    public static bool Exists(string modelDirectory)
    {
        if (File.Exists(Path.Combine(modelDirectory, JinjaFileName)) || File.Exists(Path.Combine(modelDirectory, JsonFileName)))
        {
            return true;
        }

        foreach (var name in new[] { ProcessorConfigFileName, TokenizerConfigFileName })
        {
            var path = Path.Combine(modelDirectory, name);
            if (File.Exists(path)
                && JsonFile.ReadObject(path).TryGetProperty("chat_template", out var entry)
                && entry.ValueKind != JsonValueKind.Null)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The template's text and its origin (the file, and the entry inside a JSON file).</summary>
    public static (string Text, string Origin) Find(string modelDirectory, string? templateName)
    {
        if (!Directory.Exists(modelDirectory))
        {
            throw new ModelFileException(modelDirectory, "the model directory does not exist");
        }

        var jinjaPath = Path.Combine(modelDirectory, JinjaFileName);
        if (File.Exists(jinjaPath))
        {
            RefuseName(jinjaPath, templateName);
            return (ReadText(jinjaPath), jinjaPath);
        }

        var jsonPath = Path.Combine(modelDirectory, JsonFileName);
        if (File.Exists(jsonPath))
        {
            var root = JsonFile.ReadObject(jsonPath);
            if (!root.TryGetProperty("chat_template", out var entry))
            {
                throw new ModelFileException(jsonPath, "has no 'chat_template' entry");
            }

            return Select(jsonPath, entry, templateName);
        }

        var processorPath = Path.Combine(modelDirectory, ProcessorConfigFileName);
        if (File.Exists(processorPath)
            && JsonFile.ReadObject(processorPath).TryGetProperty("chat_template", out var processorTemplate)
            && processorTemplate.ValueKind != JsonValueKind.Null)
        {
            return Select(processorPath, processorTemplate, templateName);
        }

        var configPath = Path.Combine(modelDirectory, TokenizerConfigFileName);
        var config = TokenizerConfigFile.Load(configPath);
        if (config.Root.TryGetProperty("chat_template", out var configured) && configured.ValueKind != JsonValueKind.Null)
        {
            return Select(configPath, configured, templateName);
        }

        throw new ModelFileException(
            modelDirectory,
            $"has no chat template: no {JinjaFileName}, no {JsonFileName}, and no 'chat_template' in {ProcessorConfigFileName} or {TokenizerConfigFileName}");
    }

    private static (string Text, string Origin) Select(string path, JsonElement entry, string? templateName)
    {
        if (entry.ValueKind == JsonValueKind.String)
        {
            RefuseName(path, templateName);
            return (entry.GetString()!, $"{path} (chat_template)");
        }

        if (entry.ValueKind != JsonValueKind.Array)
        {
            throw new ModelFileException(path, $"'chat_template' must be a string or a list of {{\"name\", \"template\"}} objects; found {entry.ValueKind}");
        }

        var named = new List<(string Name, string Template)>();
        var index = 0;
        foreach (var item in entry.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object
                || !item.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String
                || !item.TryGetProperty("template", out var template) || template.ValueKind != JsonValueKind.String)
            {
                throw new ModelFileException(path, $"'chat_template' entry {index} must be an object with 'name' and 'template' strings");
            }

            named.Add((name.GetString()!, template.GetString()!));
            index++;
        }

        var wanted = templateName ?? "default";
        foreach (var (name, template) in named)
        {
            if (name == wanted)
            {
                return (template, $"{path} (chat_template '{name}')");
            }
        }

        var available = string.Join(", ", named.Select(pair => $"'{pair.Name}'"));
        throw new ModelFileException(
            path,
            templateName is null
                ? $"has several chat templates and none named 'default'; choose one of {available}"
                : $"has no chat template named '{templateName}'; available: {available}");
    }

    private static void RefuseName(string path, string? templateName)
    {
        if (templateName is not null)
        {
            throw new ModelFileException(path, $"holds a single chat template, so no template named '{templateName}' can be chosen");
        }
    }

    private static string ReadText(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new ModelFileException(path, $"cannot be read: {exception.Message}", exception);
        }
    }
}
