namespace Qrt.Runtime.Text.Tokenization.Models;

/// <summary>The switches of a tokenizer.json BPE model besides its vocabulary and merges.</summary>
internal sealed record BpeOptions
{
    /// <summary>Token emitted for characters the vocabulary lacks (null: such characters are dropped).</summary>
    public string? UnknownToken { get; init; }

    /// <summary>Consecutive unknown characters become one unknown token.</summary>
    public bool FuseUnknown { get; init; }

    /// <summary>Characters the vocabulary lacks are spelled as &lt;0xNN&gt; byte tokens (SentencePiece byte fallback).</summary>
    public bool ByteFallback { get; init; }

    /// <summary>A word that is itself in the vocabulary is emitted whole, without merging (tiktoken semantics).</summary>
    public bool IgnoreMerges { get; init; }

    /// <summary>Prefix of every symbol that does not start a word (WordPiece-style BPE; usually empty).</summary>
    public string ContinuingSubwordPrefix { get; init; } = string.Empty;

    /// <summary>Suffix of the symbol that ends a word (usually empty).</summary>
    public string EndOfWordSuffix { get; init; } = string.Empty;
}
