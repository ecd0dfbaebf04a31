using Qrt.Runtime.Json;

namespace Qrt.Runtime.Text.Tokenization.PostProcessors;

/// <summary>Builds the post-processor described by tokenizer.json's "post_processor" entry.</summary>
internal static class PostProcessorReader
{
    private const string Supported = "TemplateProcessing, ByteLevel, BertProcessing, RobertaProcessing, Sequence";

    /// <summary>The post-processor, or null when it adds nothing (absent, null, or ByteLevel).</summary>
    public static IPostProcessor? Read(JsonSection section)
    {
        if (section.IsNull)
        {
            return null;
        }

        var type = section.TypeName();
        switch (type)
        {
            case "ByteLevel":
                // Only adjusts offsets, which Qrt does not report.
                return null;
            case "TemplateProcessing":
                return ReadTemplate(section);
            case "BertProcessing":
            case "RobertaProcessing":
                return new TemplatePostProcessor([ReadPairId(section.RequiredProperty("cls")), null, ReadPairId(section.RequiredProperty("sep"))]);
            case "Sequence":
                var processors = section.RequiredProperty("processors").Items().Select(Read).OfType<IPostProcessor>().ToArray();
                return processors.Length == 0 ? null : new SequencePostProcessor(processors);
            default:
                throw section.Error("type", $"post-processor '{type}' is not supported (supported: {Supported})");
        }
    }

    private static TemplatePostProcessor ReadTemplate(JsonSection section)
    {
        var specials = new Dictionary<string, int[]>(StringComparer.Ordinal);
        var specialTokens = section.Property("special_tokens");
        if (!specialTokens.IsNull)
        {
            foreach (var (name, value) in specialTokens.Properties())
            {
                specials[name] = value.RequiredProperty("ids").Items().Select(id => id.AsInt()).ToArray();
            }
        }

        var items = new List<int[]?>();
        foreach (var item in section.RequiredProperty("single").Items())
        {
            var special = item.Property("SpecialToken");
            var sequence = item.Property("Sequence");
            if (!special.IsNull)
            {
                var name = special.RequiredProperty("id").AsString();
                items.Add(specials.TryGetValue(name, out var ids)
                    ? ids
                    : throw special.Error("id", $"special token '{name}' is not listed in 'special_tokens'"));
            }
            else if (!sequence.IsNull)
            {
                items.Add(null);
            }
            else
            {
                throw item.Error("must be an object with a 'SpecialToken' or a 'Sequence' entry");
            }
        }

        return new TemplatePostProcessor(items);
    }

    private static int[] ReadPairId(JsonSection pair)
    {
        var parts = pair.Items().ToArray();
        return parts.Length == 2 ? [parts[1].AsInt()] : throw pair.Error("must be a [token, id] pair");
    }
}
