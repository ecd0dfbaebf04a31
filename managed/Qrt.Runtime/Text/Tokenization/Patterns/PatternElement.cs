namespace Qrt.Runtime.Text.Tokenization;

/// <summary>
/// One translated element of a sequence. <see cref="InnerQuantifier" /> is set when Oniguruma sees the element as
/// a quantifier node (a quantified atom, or a group holding only one) so that a further quantifier would nest;
/// <see cref="EndsInQuantifier" /> when <see cref="Text" /> must be grouped before another quantifier follows.
/// </summary>
internal readonly record struct PatternElement(string Text, bool Quantifiable, PatternQuantifier? InnerQuantifier, bool EndsInQuantifier = false);
