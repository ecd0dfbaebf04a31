namespace Qrt.Runtime;

/// <summary>Where the time of one generation went. Times are wall-clock seconds from the start of the request.</summary>
/// <param name="PromptTokens">Tokens run through the model in the prefill.</param>
/// <param name="OutputTokens">Tokens generated.</param>
/// <param name="PrefillSeconds">Time to run the prompt through the language model (after any image encoding).</param>
/// <param name="TimeToFirstTokenSeconds">Time until the first generated token was chosen (image encoding included).</param>
/// <param name="TotalSeconds">Time of the whole request.</param>
public sealed record GenerationTimings(
    int PromptTokens, int OutputTokens, double PrefillSeconds, double TimeToFirstTokenSeconds, double TotalSeconds)
{
    /// <summary>Time the vision encoder took for the prompt's images, before the prefill; 0 without images.</summary>
    public double ImageEncodingSeconds { get; init; }

    /// <summary>Prompt tokens per second of prefill (0 when the prefill took no measurable time).</summary>
    public double PrefillTokensPerSecond => PerSecond(PromptTokens, PrefillSeconds);

    /// <summary>Time spent after the first token: the decode steps that produced the others.</summary>
    public double DecodeSeconds => Math.Max(TotalSeconds - TimeToFirstTokenSeconds, 0);

    /// <summary>Tokens per second after the first token (which the prefill produced); 0 with fewer than two tokens.</summary>
    public double DecodeTokensPerSecond => PerSecond(Math.Max(OutputTokens - 1, 0), DecodeSeconds);

    private static double PerSecond(int tokens, double seconds) => tokens > 0 && seconds > 0 ? tokens / seconds : 0;
}
