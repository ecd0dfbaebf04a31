using System.Text.Json;

namespace Qrt.Runtime.Tests.Text.Tokenizers;

/// <summary>
/// Vocabulary size, special ids and the id/token maps of the real tokenizers, against their tokenizer.json and
/// tokenizer_config.json read directly.
/// </summary>
[TestFixture]
internal sealed class TokenizerVocabularyTests
{
    // Expected values read off the files: model vocabulary + added tokens with new ids; bos_token/eos_token
    // of tokenizer_config.json looked up among the ids.
    [TestCase(RealTokenizers.Qwen3, 151643 + 26, null, 151645)]
    [TestCase(RealTokenizers.Llama2, 32000, 1, 2)]
    [TestCase(RealTokenizers.Llama3, 128000 + 256, 128000, 128001)]
    public void SizesAndSpecialIds_AreThoseOfTheFiles(string name, int vocabularySize, int? bos, int? eos)
    {
        var tokenizer = RealTokenizers.Load(name);
        Assert.That(tokenizer.VocabularySize, Is.EqualTo(vocabularySize));
        Assert.That(tokenizer.BosTokenId, Is.EqualTo(bos));
        Assert.That(tokenizer.EosTokenId, Is.EqualTo(eos));
    }

    [TestCaseSource(typeof(RealTokenizers), nameof(RealTokenizers.Names))]
    public void IdToToken_AndTokenToId_AgreeWithTheVocabularyAndAddedTokens(string name)
    {
        var tokenizer = RealTokenizers.Load(name);
        using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(RealTokenizers.Directory(name), "tokenizer.json")));
        var entries = document.RootElement.GetProperty("model").GetProperty("vocab").EnumerateObject()
            .Select(property => (Token: property.Name, Id: property.Value.GetInt32()))
            .Concat(document.RootElement.GetProperty("added_tokens").EnumerateArray()
                .Select(added => (Token: added.GetProperty("content").GetString()!, Id: added.GetProperty("id").GetInt32())))
            .ToList();

        var mismatches = entries
            .Where(entry => tokenizer.IdToToken(entry.Id) != entry.Token || tokenizer.TokenToId(entry.Token) != entry.Id)
            .Take(10)
            .Select(entry => $"{entry.Id} {Mismatch.Quote(entry.Token)}: IdToToken gives {Mismatch.Quote(tokenizer.IdToToken(entry.Id) ?? "(null)")}, TokenToId gives {tokenizer.TokenToId(entry.Token)?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "null"}")
            .ToList();
        Assert.That(mismatches, Is.Empty);
    }

    [TestCaseSource(typeof(RealTokenizers), nameof(RealTokenizers.Names))]
    public void UnknownTokensAndIds_GiveNull(string name)
    {
        var tokenizer = RealTokenizers.Load(name);
        Assert.That(tokenizer.TokenToId("no such token in any vocabulary"), Is.Null);
        Assert.That(tokenizer.IdToToken(-1), Is.Null);
        Assert.That(tokenizer.IdToToken(tokenizer.VocabularySize), Is.Null);
    }
}
