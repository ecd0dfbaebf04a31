namespace Qrt.Runtime;

/// <summary>
/// How a <see cref="QrtModel" /> generates text for one request.
/// </summary>
/// <remarks>
/// Sampling defaults: a value set here wins. A value left null falls back to the model's generation_config.json
/// (its <c>temperature</c>, <c>top_p</c> and <c>top_k</c>, as vLLM applies them), and without one there to greedy
/// decoding: temperature 0, top-p 1 and top-k 0 (no limit). <c>do_sample</c> in that file is not consulted, as
/// in vLLM; set <see cref="Temperature" /> to 0 to force greedy decoding.
/// </remarks>
public sealed record GenerationOptions
{
    /// <summary>The default of <see cref="MaxTokens" />.</summary>
    public const int DefaultMaxTokens = 256;

    /// <summary>
    /// Most tokens to generate (the end-of-sequence token counts); at least 1. Default 256. Generation also ends,
    /// with <see cref="FinishReason.Length" />, when prompt and output fill the model's context.
    /// </summary>
    public int MaxTokens { get; init; } = DefaultMaxTokens;

    /// <summary>Softmax temperature; 0 is greedy. Null: generation_config.json's, else 0.</summary>
    public float? Temperature { get; init; }

    /// <summary>Nucleus sampling: keep the most likely tokens whose probabilities reach this, in (0, 1]. Null: generation_config.json's, else 1.</summary>
    public float? TopP { get; init; }

    /// <summary>Keep only the k most likely tokens; 0 keeps all. Null: generation_config.json's, else 0.</summary>
    public int? TopK { get; init; }

    /// <summary>Seed of the sampler: the same seed, prompt and options give the same tokens. Null: a random seed.</summary>
    public ulong? Seed { get; init; }

    /// <summary>
    /// Strings that end generation when they appear in the generated text, also across token boundaries. The stop
    /// string itself is not part of the output.
    /// </summary>
    public IReadOnlyList<string>? StopSequences { get; init; }

    /// <summary>
    /// What to do with a prompt that leaves no room in the context for one new token: false (the default) throws
    /// <see cref="PromptTooLongException" />; true keeps the prompt's last tokens, as many as leave room for
    /// <see cref="MaxTokens" /> (at least one token of the prompt is kept).
    /// </summary>
    public bool TruncatePrompt { get; init; }

    /// <summary>
    /// Whether to keep generating past end-of-sequence tokens until <see cref="MaxTokens" /> or a stop string (vLLM's
    /// <c>ignore_eos</c>): for benchmarks that need a fixed number of output tokens.
    /// </summary>
    public bool IgnoreEndOfSequence { get; init; }
}
