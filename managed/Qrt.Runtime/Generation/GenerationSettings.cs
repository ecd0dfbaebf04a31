using Qrt.Runtime.Models.Configuration;

namespace Qrt.Runtime.Generation;

/// <summary>
/// What one generation request runs with once the caller's <see cref="GenerationOptions" /> and the model's
/// generation_config.json have been combined: the sampler's parameters, the token budget and the stop strings.
/// </summary>
internal sealed record GenerationSettings(
    SamplingParameters Sampling, int MaxTokens, IReadOnlyList<string> StopSequences, bool TruncatePrompt, bool IgnoreEndOfSequence = false)
{
    /// <summary>
    /// Combines <paramref name="options" /> with <paramref name="defaults" />: a sampling value the caller gave
    /// wins; otherwise generation_config.json's temperature, top_p and top_k apply when present (as vLLM applies
    /// them); otherwise decoding is greedy. Throws <see cref="ArgumentOutOfRangeException" /> for a value out of range
    /// and <see cref="ArgumentException" /> for an empty stop string.
    /// </summary>
    public static GenerationSettings Resolve(GenerationOptions? options, GenerationConfig defaults)
    {
        ArgumentNullException.ThrowIfNull(defaults);
        options ??= new GenerationOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxTokens, 1, nameof(options.MaxTokens));
        var stopSequences = options.StopSequences ?? [];
        if (stopSequences.Any(string.IsNullOrEmpty))
        {
            throw new ArgumentException("a stop sequence must not be null or empty", nameof(options));
        }

        var sampling = new SamplingParameters
        {
            Temperature = options.Temperature ?? (float?)defaults.Temperature ?? 0f,
            TopP = options.TopP ?? (float?)defaults.TopP ?? 1f,
            TopK = options.TopK ?? defaults.TopK ?? 0,
            Seed = options.Seed,
        };
        sampling.Validate();
        return new GenerationSettings(sampling, options.MaxTokens, [.. stopSequences], options.TruncatePrompt, options.IgnoreEndOfSequence);
    }
}
