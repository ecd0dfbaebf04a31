namespace Qrt.Runtime.Text.Tokenization;

/// <summary>Option state inside a group: Oniguruma's <c>i</c> (ignore case) and <c>m</c> (dot matches newline).</summary>
internal readonly record struct PatternOptions(bool IgnoreCase, bool DotAll);
