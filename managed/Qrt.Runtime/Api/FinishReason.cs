namespace Qrt.Runtime;

/// <summary>Why generation ended.</summary>
public enum FinishReason
{
    /// <summary>The model produced an end-of-sequence token.</summary>
    EndOfSequence,

    /// <summary>A stop string appeared in the generated text.</summary>
    StopSequence,

    /// <summary>The token budget (<see cref="GenerationOptions.MaxTokens" />) or the model's context was used up.</summary>
    Length,
}
