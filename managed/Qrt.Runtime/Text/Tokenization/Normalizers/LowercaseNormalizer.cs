namespace Qrt.Runtime.Text.Tokenization.Normalizers;

/// <summary>Lower-cases text with the invariant (culture-independent) Unicode mapping.</summary>
internal sealed class LowercaseNormalizer : INormalizer
{
    public string Normalize(string text) => text.ToLowerInvariant();
}
