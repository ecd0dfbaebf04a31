using Qrt.Runtime.Text;
using Qrt.Runtime.Json;

namespace Qrt.Runtime.Models.Configuration;

/// <summary>
/// generation_config.json: the token ids and sampling defaults the model's authors chose. The file is optional;
/// without it every value is null. Values are read and checked here; applying them is the generator's job.
/// </summary>
internal sealed record GenerationConfig
{
    /// <summary>No generation_config.json: nothing specified.</summary>
    public static GenerationConfig Empty { get; } = new();

    /// <summary>The beginning-of-sequence id, if given.</summary>
    public int? BosTokenId { get; init; }

    /// <summary>Ids that end generation (eos_token_id as one integer or a list); empty when not given.</summary>
    public IReadOnlyList<int> EosTokenIds { get; init; } = [];

    /// <summary>The padding id, if given.</summary>
    public int? PadTokenId { get; init; }

    /// <summary>Sampling temperature, if given.</summary>
    public double? Temperature { get; init; }

    /// <summary>Nucleus sampling threshold, if given.</summary>
    public double? TopP { get; init; }

    /// <summary>Top-k limit, if given.</summary>
    public int? TopK { get; init; }

    /// <summary>Whether to sample (false: greedy), if given.</summary>
    public bool? DoSample { get; init; }

    /// <summary>Most new tokens to generate, if given.</summary>
    public int? MaxNewTokens { get; init; }

    /// <summary>Most tokens in prompt plus output, if given.</summary>
    public int? MaxLength { get; init; }

    /// <summary>Repetition penalty, if given (read, not applied yet).</summary>
    public double? RepetitionPenalty { get; init; }

    /// <summary>Reads <paramref name="path" />, or <see cref="Empty" /> when there is no such file.</summary>
    public static GenerationConfig Load(string path) =>
        File.Exists(path) ? Read(new JsonSection(path, string.Empty, JsonFile.ReadObject(path))) : Empty;

    /// <summary>Reads and checks a parsed generation_config.json object.</summary>
    public static GenerationConfig Read(JsonSection config)
    {
        var temperature = config.OptionalDouble("temperature");
        if (temperature is { } t && !(double.IsFinite(t) && t >= 0))
        {
            throw config.Error("temperature", $"must be a finite number at least 0; found {t}");
        }

        var topP = config.OptionalDouble("top_p");
        if (topP is { } p && !(p > 0 && p <= 1))
        {
            throw config.Error("top_p", $"must be in (0, 1]; found {p}");
        }

        var topK = config.OptionalInt("top_k");
        if (topK < 0)
        {
            throw config.Error("top_k", $"must be at least 0; found {topK}");
        }

        var penalty = config.OptionalDouble("repetition_penalty");
        if (penalty is { } r && !(double.IsFinite(r) && r > 0))
        {
            throw config.Error("repetition_penalty", $"must be a positive number; found {r}");
        }

        return new GenerationConfig
        {
            BosTokenId = config.OptionalInt("bos_token_id"),
            EosTokenIds = config.IntOrIntList("eos_token_id"),
            PadTokenId = config.OptionalInt("pad_token_id"),
            Temperature = temperature,
            TopP = topP,
            TopK = topK,
            DoSample = config.OptionalBool("do_sample"),
            MaxNewTokens = config.Property("max_new_tokens").IsNull ? null : config.PositiveInt("max_new_tokens", null),
            MaxLength = config.Property("max_length").IsNull ? null : config.PositiveInt("max_length", null),
            RepetitionPenalty = penalty,
        };
    }
}
