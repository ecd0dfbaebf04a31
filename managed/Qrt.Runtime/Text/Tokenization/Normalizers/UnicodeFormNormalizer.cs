using Qrt.Runtime.Text.Unicode;

namespace Qrt.Runtime.Text.Tokenization.Normalizers;

/// <summary>Unicode normalization (NFC for Qwen2) with Qrt's own tables, so it works without ICU.</summary>
internal sealed class UnicodeFormNormalizer(UnicodeNormalForm form) : INormalizer
{
    public string Normalize(string text) => UnicodeNormalizer.Normalize(text, form);
}
