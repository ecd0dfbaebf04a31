using Qrt.Runtime.Json;

namespace Qrt.Runtime.Text.Tokenization.PreTokenizers;

/// <summary>Builds the pre-tokenizer described by tokenizer.json's "pre_tokenizer" entry.</summary>
internal static class PreTokenizerReader
{
    private const string Supported = "Split, ByteLevel, Metaspace, Sequence";

    /// <summary>The pre-tokenizer, or null when the entry is null (each text segment is one word).</summary>
    public static IPreTokenizer? Read(JsonSection section)
    {
        if (section.IsNull)
        {
            return null;
        }

        var type = section.TypeName();
        return type switch
        {
            "Split" => new SplitPreTokenizer(
                TextPattern.Read(section.RequiredProperty("pattern")),
                ReadBehavior(section.RequiredProperty("behavior")),
                section.OptionalBool("invert", false)),
            "ByteLevel" => new ByteLevelPreTokenizer(
                section.OptionalBool("add_prefix_space", true), section.OptionalBool("use_regex", true)),
            "Metaspace" => ReadMetaspace(section),
            "Sequence" => ReadSequence(section),
            _ => throw section.Error("type", $"pre-tokenizer '{type}' is not supported (supported: {Supported})"),
        };
    }

    /// <summary>Reads a Metaspace entry (shared by the pre-tokenizer and the decoder of the same name).</summary>
    public static MetaspacePreTokenizer ReadMetaspace(JsonSection section)
    {
        var replacementSection = section.RequiredProperty("replacement");
        var replacement = replacementSection.AsString();
        if (replacement.Length != 1)
        {
            throw replacementSection.Error($"must be a single character; found \"{replacement}\"");
        }

        var schemeSection = section.Property("prepend_scheme");
        var scheme = schemeSection.IsNull
            ? section.OptionalBool("add_prefix_space", true) ? PrependScheme.Always : PrependScheme.Never
            : schemeSection.AsString() switch
            {
                "always" => PrependScheme.Always,
                "first" => PrependScheme.First,
                "never" => PrependScheme.Never,
                var other => throw schemeSection.Error($"'{other}' is not a prepend scheme (always, first, never)"),
            };
        return new MetaspacePreTokenizer(replacement[0], scheme, section.OptionalBool("split", true));
    }

    /// <summary>
    /// A Sequence; the common byte-level form — an isolating regex Split, then ByteLevel only changing the
    /// alphabet (Qwen2, Llama 3, Tekken) — becomes the fused <see cref="ByteLevelWordSplitter" />.
    /// </summary>
    private static IPreTokenizer ReadSequence(JsonSection section)
    {
        var stages = section.RequiredProperty("pretokenizers").Items().Select(Require).ToArray();
        return stages is [SplitPreTokenizer { IsPlainIsolated: true } split, ByteLevelPreTokenizer { IsAlphabetOnly: true }]
            ? new ByteLevelWordSplitter(split.Pattern)
            : new SequencePreTokenizer(stages);
    }

    private static SplitBehavior ReadBehavior(JsonSection section) => section.AsString() switch
    {
        "Removed" => SplitBehavior.Removed,
        "Isolated" => SplitBehavior.Isolated,
        "MergedWithPrevious" => SplitBehavior.MergedWithPrevious,
        "MergedWithNext" => SplitBehavior.MergedWithNext,
        "Contiguous" => SplitBehavior.Contiguous,
        var other => throw section.Error(
            $"'{other}' is not a split behavior (Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous)"),
    };

    private static IPreTokenizer Require(JsonSection section) =>
        Read(section) ?? throw section.Error("a pre-tokenizer in a Sequence must not be null");
}
