namespace Qrt.Runtime.Text.Tokenization.PreTokenizers;

/// <summary>What a split does with the matched delimiters (tokenizers' SplitDelimiterBehavior).</summary>
internal enum SplitBehavior
{
    /// <summary>Delimiters are dropped.</summary>
    Removed,

    /// <summary>Each delimiter is a piece of its own.</summary>
    Isolated,

    /// <summary>A delimiter joins the piece before it.</summary>
    MergedWithPrevious,

    /// <summary>A delimiter joins the piece after it.</summary>
    MergedWithNext,

    /// <summary>Runs of adjacent delimiters form one piece.</summary>
    Contiguous,
}
