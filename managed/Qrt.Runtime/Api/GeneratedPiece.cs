namespace Qrt.Runtime;

/// <summary>
/// A piece of streamed text and the token ids it came from. Pieces never end inside a UTF-8 character: ids whose
/// text is not yet certain are carried to the next piece. The pieces' texts concatenate to
/// <see cref="GenerationResult.Text" /> and their ids to <see cref="GenerationResult.OutputTokenIds" />.
/// </summary>
/// <param name="Text">The new text (empty when the ids added none, e.g. an end-of-sequence token).</param>
/// <param name="TokenIds">The generated ids this text came from.</param>
public sealed record GeneratedPiece(string Text, IReadOnlyList<int> TokenIds)
{
    /// <summary>Set on the last piece of a stream only: the result of the whole generation.</summary>
    public GenerationResult? Completion { get; init; }
}
