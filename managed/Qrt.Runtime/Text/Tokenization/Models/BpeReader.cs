using System.Text.Json;
using Qrt.Runtime.Json;

namespace Qrt.Runtime.Text.Tokenization.Models;

/// <summary>Reads and checks tokenizer.json's "model" entry, which must be a BPE model.</summary>
internal static class BpeReader
{
    public static BpeModel Read(JsonSection model)
    {
        var type = model.Property("type").IsNull ? "BPE" : model.TypeName();
        if (type != "BPE")
        {
            throw model.Error("type", $"model '{type}' is not supported (supported: BPE)");
        }

        var dropout = model.Property("dropout");
        if (!dropout.IsNull && (dropout.Kind != JsonValueKind.Number || dropout.Element.GetDouble() != 0))
        {
            throw dropout.Error("BPE dropout makes encoding random; only null or 0 is supported");
        }

        var vocabulary = ReadVocabulary(model.RequiredProperty("vocab"));
        var options = new BpeOptions
        {
            UnknownToken = model.OptionalString("unk_token"),
            FuseUnknown = model.OptionalBool("fuse_unk", false),
            ByteFallback = model.OptionalBool("byte_fallback", false),
            IgnoreMerges = model.OptionalBool("ignore_merges", false),
            ContinuingSubwordPrefix = model.OptionalString("continuing_subword_prefix") ?? string.Empty,
            EndOfWordSuffix = model.OptionalString("end_of_word_suffix") ?? string.Empty,
        };

        var unknownId = -1;
        if (options.UnknownToken is { } unknown && !vocabulary.TryGetValue(unknown, out unknownId))
        {
            throw model.Error("unk_token", $"'{unknown}' is not in the vocabulary");
        }

        var merges = ReadMerges(model.Property("merges"), vocabulary, options.ContinuingSubwordPrefix);
        return new BpeModel(vocabulary, merges, options, unknownId);
    }

    private static Dictionary<string, int> ReadVocabulary(JsonSection section)
    {
        var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
        var owners = new Dictionary<int, string>();
        foreach (var (token, value) in section.Properties())
        {
            var id = value.AsInt();
            if (id < 0)
            {
                throw value.Error($"token id {id} is negative");
            }

            if (owners.TryGetValue(id, out var owner))
            {
                throw value.Error($"id {id} is already the id of token '{owner}'");
            }

            if (!vocabulary.TryAdd(token, id))
            {
                throw value.Error("the token appears twice in the vocabulary");
            }

            owners[id] = token;
        }

        // Ids index the model's embedding rows: they must be dense, 0 .. count-1.
        foreach (var (token, value) in section.Properties())
        {
            if (vocabulary[token] >= vocabulary.Count)
            {
                throw value.Error($"token id {vocabulary[token]} is out of range: the vocabulary has {vocabulary.Count} entries, so ids must be below {vocabulary.Count}");
            }
        }

        return vocabulary;
    }

    private static Dictionary<long, (int Rank, int MergedId)> ReadMerges(
        JsonSection section, Dictionary<string, int> vocabulary, string prefix)
    {
        var merges = new Dictionary<long, (int Rank, int MergedId)>();
        if (section.IsNull)
        {
            return merges;
        }

        var rank = 0;
        foreach (var item in section.Items())
        {
            var (left, right) = ReadPair(item);
            var leftId = Lookup(item, vocabulary, left);
            var rightId = Lookup(item, vocabulary, right);
            var merged = left + (prefix.Length > 0 && right.StartsWith(prefix, StringComparison.Ordinal) ? right[prefix.Length..] : right);
            var mergedId = Lookup(item, vocabulary, merged);

            // A pair listed twice keeps its last rank, as the reference implementation's map does.
            merges[BpeModel.PairKey(leftId, rightId)] = (rank++, mergedId);
        }

        return merges;
    }

    private static (string Left, string Right) ReadPair(JsonSection item)
    {
        if (item.Kind == JsonValueKind.String)
        {
            var text = item.AsString();
            var space = text.IndexOf(' ', StringComparison.Ordinal);
            if (space <= 0 || space == text.Length - 1 || text.IndexOf(' ', space + 1) >= 0)
            {
                throw item.Error($"merge \"{text}\" must be two tokens separated by one space");
            }

            return (text[..space], text[(space + 1)..]);
        }

        var parts = item.Items().ToArray();
        if (parts.Length != 2)
        {
            throw item.Error($"merge must be a pair of tokens; found {parts.Length} entries");
        }

        return (parts[0].AsString(), parts[1].AsString());
    }

    private static int Lookup(JsonSection item, Dictionary<string, int> vocabulary, string token) =>
        vocabulary.TryGetValue(token, out var id) ? id : throw item.Error($"merge refers to '{token}', which is not in the vocabulary");
}
