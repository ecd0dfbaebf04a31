namespace Qrt.Runtime.Text.Tokenization.AddedTokens;

/// <summary>
/// A stretch of input between added tokens (<see cref="AddedToken" /> null) or one added token's match.
/// <see cref="AtOrigin" /> marks the segment that begins the input.
/// </summary>
internal readonly record struct TextSegment(string Text, AddedToken? AddedToken, bool AtOrigin);
