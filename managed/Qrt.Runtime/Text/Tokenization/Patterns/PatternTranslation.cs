namespace Qrt.Runtime.Text.Tokenization;

/// <summary>A .NET pattern equivalent to an Oniguruma one, and the BMP characters it names by value.</summary>
/// <param name="Pattern">The .NET pattern; use it with <c>RegexOptions.CultureInvariant</c> and no other option that changes matching.</param>
/// <param name="Literals">Sorted, disjoint ranges of every character the pattern names by value (literals and class members).</param>
internal sealed record PatternTranslation(string Pattern, IReadOnlyList<(char First, char Last)> Literals);
