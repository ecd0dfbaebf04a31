namespace Qrt.Runtime.Text.Tokenization.PreTokenizers;

/// <summary>
/// A piece of text on its way to the model. <see cref="AtOrigin" /> is true for the piece that begins the
/// input text (offset 0 of the original string), which Metaspace's "first" prepend scheme needs.
/// </summary>
internal readonly record struct PreToken(string Text, bool AtOrigin);
