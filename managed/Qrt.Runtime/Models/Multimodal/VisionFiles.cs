using Qrt.Runtime.Json;
using Qrt.Runtime.Text;
using Qrt.Runtime.Vision;

namespace Qrt.Runtime.Models.Multimodal;

/// <summary>The files beside config.json that a vision-language model's image side reads, and their checks.</summary>
internal static class VisionFiles
{
    /// <summary>The processor's token names (Pixtral's image_token, image_break_token, image_end_token).</summary>
    public const string ProcessorConfigFileName = "processor_config.json";

    /// <summary>preprocessor_config.json of <paramref name="directory"/>, which a vision-language model cannot do without.</summary>
    public static PreprocessorConfig ReadPreprocessor(string directory)
    {
        var path = Path.Combine(directory, PreprocessorConfig.FileName);
        return File.Exists(path)
            ? PreprocessorConfig.Read(path)
            : throw new ModelFileException(path, "is missing; a vision-language model needs it to resize and normalise images");
    }

    /// <summary>processor_config.json of <paramref name="directory"/> as a section, or null when the model has none.</summary>
    public static JsonSection? ReadProcessor(string directory)
    {
        var path = Path.Combine(directory, ProcessorConfigFileName);
        return File.Exists(path) ? new JsonSection(path, string.Empty, JsonFile.ReadObject(path)) : null;
    }

    /// <summary>Runs a preprocessor constructor, turning its complaint about the file into a <see cref="ModelFileException"/>.</summary>
    public static T CheckedPreprocessor<T>(string directory, Func<T> create)
    {
        try
        {
            return create();
        }
        catch (ArgumentException problem)
        {
            throw new ModelFileException(Path.Combine(directory, PreprocessorConfig.FileName), problem.Message);
        }
    }

    /// <summary>
    /// The id of <paramref name="token"/>: <paramref name="configured"/> (from config.json) when given, which must then
    /// agree with the tokenizer's id of the token when the tokenizer has one.
    /// </summary>
    public static int TokenId(JsonSection config, string key, int? configured, Tokenizer tokenizer, string token, int vocabularySize)
    {
        var fromTokenizer = tokenizer.TokenToId(token);
        if (configured is { } id)
        {
            if (fromTokenizer is { } known && known != id)
            {
                throw config.Error(key, $"is {id}, but the tokenizer's {token} is {known}");
            }

            return id >= 0 && id < vocabularySize ? id : throw config.Error(key, $"is {id}, outside the vocabulary of {vocabularySize}");
        }

        return fromTokenizer ?? throw config.Error(key, $"is missing and the tokenizer has no {token} token; the model cannot mark images in a prompt");
    }
}
