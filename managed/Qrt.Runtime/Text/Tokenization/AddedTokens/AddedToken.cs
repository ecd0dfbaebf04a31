namespace Qrt.Runtime.Text.Tokenization.AddedTokens;

/// <summary>
/// An entry of tokenizer.json's "added_tokens": a string matched whole in the input before pre-tokenization.
/// </summary>
/// <param name="Id">Its id.</param>
/// <param name="Content">The text it matches.</param>
/// <param name="SingleWord">Matched only when not inside a word.</param>
/// <param name="LeftStrip">Whitespace before a match belongs to the match.</param>
/// <param name="RightStrip">Whitespace after a match belongs to the match.</param>
/// <param name="Normalized">Matched against the normalized text (else against the raw text).</param>
/// <param name="Special">A control token, dropped by decoding with skip-special-tokens.</param>
internal sealed record AddedToken(int Id, string Content, bool SingleWord, bool LeftStrip, bool RightStrip, bool Normalized, bool Special);
