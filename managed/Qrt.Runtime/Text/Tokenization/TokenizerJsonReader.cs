using Qrt.Runtime.Text.Tokenization.AddedTokens;
using Qrt.Runtime.Text.Tokenization.Decoders;
using Qrt.Runtime.Text.Tokenization.Models;
using Qrt.Runtime.Text.Tokenization.Normalizers;
using Qrt.Runtime.Text.Tokenization.PostProcessors;
using Qrt.Runtime.Text.Tokenization.PreTokenizers;
using Qrt.Runtime.Json;

namespace Qrt.Runtime.Text.Tokenization;

/// <summary>Reads a tokenizer.json into a <see cref="TokenizerPipeline" />, checking it as it goes.</summary>
internal static class TokenizerJsonReader
{
    public static TokenizerPipeline Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new ModelFileException(path, "not found (Qrt reads the fast-tokenizer file tokenizer.json)");
        }

        var root = new JsonSection(path, string.Empty, JsonFile.ReadObject(path));
        var model = BpeReader.Read(root.RequiredProperty("model"));
        var normalizer = NormalizerReader.Read(root.Property("normalizer"));
        var preTokenizer = PreTokenizerReader.Read(root.Property("pre_tokenizer"));
        var postProcessor = PostProcessorReader.Read(root.Property("post_processor"));
        var decoder = DecoderReader.Read(root.Property("decoder"));
        var addedTokens = ReadAddedTokens(root.Property("added_tokens"), model);
        return new TokenizerPipeline(new AddedVocabulary(addedTokens, normalizer), preTokenizer, model, postProcessor, decoder);
    }

    private static List<AddedToken> ReadAddedTokens(JsonSection section, BpeModel model)
    {
        var tokens = new List<AddedToken>();
        if (section.IsNull)
        {
            return tokens;
        }

        var byId = new Dictionary<int, AddedToken>();
        foreach (var item in section.Items())
        {
            var special = item.OptionalBool("special", false);
            var token = new AddedToken(
                item.RequiredProperty("id").AsInt(),
                item.RequiredProperty("content").AsString(),
                item.OptionalBool("single_word", false),
                item.OptionalBool("lstrip", false),
                item.OptionalBool("rstrip", false),
                item.OptionalBool("normalized", !special),
                special);
            if (token.Id < 0)
            {
                throw item.Error("id", $"token id {token.Id} is negative");
            }

            if (token.Content.Length == 0)
            {
                throw item.Error("content", "an added token must not be empty");
            }

            if (byId.TryGetValue(token.Id, out var other) && other.Content != token.Content)
            {
                throw item.Error("id", $"id {token.Id} of '{token.Content}' is already the id of added token '{other.Content}'");
            }

            if (model.IdToToken(token.Id) is { } vocabularyToken && vocabularyToken != token.Content)
            {
                throw item.Error("id", $"id {token.Id} of '{token.Content}' is the id of vocabulary token '{vocabularyToken}'");
            }

            byId[token.Id] = token;
            tokens.Add(token);
        }

        return tokens;
    }
}
