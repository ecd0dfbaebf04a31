using Qrt.Runtime.Text.Tokenization.PreTokenizers;
using Qrt.Runtime.Json;

namespace Qrt.Runtime.Text.Tokenization.Decoders;

/// <summary>Builds the decoder described by tokenizer.json's "decoder" entry.</summary>
internal static class DecoderReader
{
    private const string Supported = "ByteLevel, ByteFallback, Fuse, Replace, Strip, Metaspace, Sequence";

    /// <summary>The decoder, or null when the entry is null (tokens are joined with spaces, as the reference does).</summary>
    public static ITokenDecoder? Read(JsonSection section)
    {
        if (section.IsNull)
        {
            return null;
        }

        var type = section.TypeName();
        return type switch
        {
            "ByteLevel" => new ByteLevelDecoder(),
            "ByteFallback" => new ByteFallbackDecoder(),
            "Fuse" => new FuseDecoder(),
            "Replace" => new ReplaceDecoder(TextPattern.Read(section.RequiredProperty("pattern")), section.RequiredProperty("content").AsString()),
            "Strip" => ReadStrip(section),
            "Metaspace" => ReadMetaspace(section),
            "Sequence" => new SequenceDecoder(section.RequiredProperty("decoders").Items().Select(Require).ToArray()),
            _ => throw section.Error("type", $"decoder '{type}' is not supported (supported: {Supported})"),
        };
    }

    private static StripDecoder ReadStrip(JsonSection section)
    {
        var content = section.RequiredProperty("content");
        var text = content.AsString();
        if (text.Length != 1)
        {
            throw content.Error($"must be a single character; found \"{text}\"");
        }

        var start = section.RequiredProperty("start").AsInt();
        var stop = section.RequiredProperty("stop").AsInt();
        return start < 0 || stop < 0
            ? throw section.Error("'start' and 'stop' must not be negative")
            : new StripDecoder(text[0], start, stop);
    }

    private static MetaspaceDecoder ReadMetaspace(JsonSection section)
    {
        var metaspace = PreTokenizerReader.ReadMetaspace(section);
        return new MetaspaceDecoder(metaspace.Replacement, metaspace.PrependScheme);
    }

    private static ITokenDecoder Require(JsonSection section) =>
        Read(section) ?? throw section.Error("a decoder in a Sequence must not be null");
}
