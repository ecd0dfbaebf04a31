using Qrt.Runtime.Text.Unicode;
using Qrt.Runtime.Json;

namespace Qrt.Runtime.Text.Tokenization.Normalizers;

/// <summary>Builds the normalizer described by tokenizer.json's "normalizer" entry.</summary>
internal static class NormalizerReader
{
    private const string Supported = "NFC, NFD, NFKC, NFKD, Prepend, Replace, Strip, Lowercase, Sequence";

    /// <summary>The normalizer, or null when the entry is null (no normalization).</summary>
    public static INormalizer? Read(JsonSection section)
    {
        if (section.IsNull)
        {
            return null;
        }

        var type = section.TypeName();
        return type switch
        {
            "NFC" => new UnicodeFormNormalizer(UnicodeNormalForm.Nfc),
            "NFD" => new UnicodeFormNormalizer(UnicodeNormalForm.Nfd),
            "NFKC" => new UnicodeFormNormalizer(UnicodeNormalForm.Nfkc),
            "NFKD" => new UnicodeFormNormalizer(UnicodeNormalForm.Nfkd),
            "Prepend" => new PrependNormalizer(section.RequiredProperty("prepend").AsString()),
            "Replace" => new ReplaceNormalizer(
                TextPattern.Read(section.RequiredProperty("pattern")), section.RequiredProperty("content").AsString()),
            "Strip" => new StripNormalizer(section.OptionalBool("strip_left", true), section.OptionalBool("strip_right", true)),
            "Lowercase" => new LowercaseNormalizer(),
            "Sequence" => new SequenceNormalizer(section.RequiredProperty("normalizers").Items().Select(Require).ToArray()),
            _ => throw section.Error("type", $"normalizer '{type}' is not supported (supported: {Supported})"),
        };
    }

    private static INormalizer Require(JsonSection section) =>
        Read(section) ?? throw section.Error("a normalizer in a Sequence must not be null");
}
