namespace Qrt.Runtime.Text.Tokenization;

/// <summary>
/// Translates the regexes of tokenizer.json into .NET patterns that find the same matches. The Hugging Face
/// tokenizers library compiles them with Oniguruma (default syntax, UTF-8, no options), whose semantics differ
/// from .NET's in ways that change token boundaries: <c>\s</c> is Unicode White_Space, <c>^</c> is a line anchor,
/// possessive quantifiers exist, <c>{n,m}</c> with n &gt; m is possessive, <c>{n}?</c> means <c>(?:x{n})?</c>,
/// <c>(?i)</c> applies to the rest of its group (later alternatives included) and uses Unicode case folding.
/// Every construct is translated to an exact equivalent or rejected with a <see cref="PatternException" />
/// that names it and its offset; nothing is passed through on trust.
/// </summary>
/// <remarks>
/// The translation matches per UTF-16 unit and knows nothing of supplementary code points: a literal one is
/// rejected, and <see cref="PreTokenizerRegex" /> stands each supplementary code point of the text in for one
/// BMP character of the same general category that the pattern never names by value
/// (<see cref="PatternTranslation.Literals" /> lists the values it does name).
/// Rejected, because .NET has no exact equivalent or the construct depends on Oniguruma's version:
/// <c>\w \W \b \B</c> (Oniguruma's word class is the Alphabetic property, not a general category), scripts, blocks
/// and binary properties in <c>\p{..}</c>, backreferences, subexpression calls, conditionals, absent operators,
/// callouts, <c>\G \K \X \y \Y</c>, options other than <c>i</c> and <c>m</c>, case-insensitive non-ASCII
/// characters and properties, case-insensitive letter pairs that Unicode full case folding lets match one
/// character (<c>ss</c> matches <c>ß</c>), and nested quantifiers that Oniguruma rewrites.
/// </remarks>
internal static class PatternTranslator
{
    /// <summary>Translates <paramref name="onigPattern" />; throws <see cref="PatternException" /> if it cannot be translated exactly.</summary>
    public static PatternTranslation Translate(string onigPattern)
    {
        ArgumentNullException.ThrowIfNull(onigPattern);
        return new PatternParser(onigPattern).Run();
    }
}
