namespace Qrt.Runtime;

/// <summary>A prompt that leaves no room in the model's context for a generated token.</summary>
public sealed class PromptTooLongException : ArgumentException
{
    /// <summary>Creates the exception for a prompt of <paramref name="promptLength" /> tokens.</summary>
    public PromptTooLongException(int promptLength, int maxContextLength)
        : base(
            $"the prompt has {promptLength} tokens but the context holds {maxContextLength}, leaving no room for a generated token " +
            $"(at most {maxContextLength - 1} prompt tokens; ask for truncation to keep the last ones)")
    {
        PromptLength = promptLength;
        MaxContextLength = maxContextLength;
    }

    /// <summary>Creates the exception for a prompt of <paramref name="promptLength" /> tokens, with a message of its own.</summary>
    public PromptTooLongException(string message, int promptLength, int maxContextLength)
        : base(message)
    {
        PromptLength = promptLength;
        MaxContextLength = maxContextLength;
    }

    /// <summary>Creates the exception with a message of its own.</summary>
    public PromptTooLongException()
    {
    }

    /// <summary>Creates the exception with a message of its own.</summary>
    public PromptTooLongException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public PromptTooLongException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Tokens in the prompt.</summary>
    public int PromptLength { get; }

    /// <summary>Tokens the model's context holds (prompt and output together).</summary>
    public int MaxContextLength { get; }
}
