namespace Qrt.Runtime;

/// <summary>The outcome of one generation request.</summary>
/// <param name="Text">The generated text, without a stop string that ended it and without special tokens.</param>
/// <param name="PromptTokenIds">The prompt's token ids as the model saw them (after truncation, when asked for).</param>
/// <param name="OutputTokenIds">
/// The generated ids, including an end-of-sequence id or the tokens of a stop string that ended generation
/// (as transformers and vLLM report them), though neither is part of <paramref name="Text" />.
/// </param>
/// <param name="FinishReason">Why generation ended.</param>
/// <param name="Timings">Where the time went.</param>
public sealed record GenerationResult(
    string Text,
    IReadOnlyList<int> PromptTokenIds,
    IReadOnlyList<int> OutputTokenIds,
    FinishReason FinishReason,
    GenerationTimings Timings);
