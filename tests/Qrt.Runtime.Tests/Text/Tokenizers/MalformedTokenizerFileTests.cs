using System.Text.Json.Nodes;
using Qrt.Runtime.Text;

namespace Qrt.Runtime.Tests.Text.Tokenizers;

/// <summary>
/// Broken tokenizer files raise <see cref="ModelFileException" /> naming the file and the entry at fault; nothing
/// else escapes. Each case is the small valid tokenizer with one thing broken.
/// </summary>
[TestFixture]
internal sealed class MalformedTokenizerFileTests
{
    private static IEnumerable<TestCaseData> BrokenTokenizerJson() =>
        new (string Description, Action<JsonObject> Break, string Key)[]
        {
            ("no model", json => json.Remove("model"), "model"),
            ("model of an unknown type", json => Model(json)["type"] = "Bogus", "model"),
            ("model without a vocabulary", json => Model(json).Remove("vocab"), "vocab"),
            ("vocabulary id that is not a number", json => Vocab(json)["ab"] = "x", "vocab"),
            ("negative vocabulary id", json => Vocab(json)["ab"] = -1, "vocab"),
            ("vocabulary id out of range", json => Vocab(json)["ab"] = 100_000, "vocab"),
            ("duplicated vocabulary id", json => Vocab(json)["ab"] = 0, "vocab"),
            ("merge of a token not in the vocabulary", json => Merges(json).Add("a zz"), "merges"),
            ("merge whose result is not in the vocabulary", json => Merges(json).Add("b c"), "merges"),
            ("merge that is not a pair", json => Merges(json).Add("abc"), "merges"),
            ("normalizer of an unknown type", json => json["normalizer"] = Typed("Bogus"), "normalizer"),
            ("pre_tokenizer of an unknown type", json => json["pre_tokenizer"] = Typed("Bogus"), "pre_tokenizer"),
            ("unknown type inside a pre_tokenizer Sequence", json => json["pre_tokenizer"] = new JsonObject
            {
                ["type"] = "Sequence",
                ["pretokenizers"] = new JsonArray(Typed("Bogus")),
            }, "pre_tokenizer"),
            ("Split pre_tokenizer with an invalid regex", json => json["pre_tokenizer"] = new JsonObject
            {
                ["type"] = "Split",
                ["pattern"] = new JsonObject { ["Regex"] = "(unclosed" },
                ["behavior"] = "Isolated",
                ["invert"] = false,
            }, "pre_tokenizer"),
            ("post_processor of an unknown type", json => json["post_processor"] = Typed("Bogus"), "post_processor"),
            ("decoder of an unknown type", json => json["decoder"] = Typed("Bogus"), "decoder"),
            ("added token whose id belongs to another vocabulary token",
                json => AddedTokens(json).Add(SmallTokenizerFiles.AddedToken(SmallTokenizerFiles.MergedId, "<x>")), "added_tokens"),
            ("two added tokens with one id",
                json => AddedTokens(json).Add(SmallTokenizerFiles.AddedToken(SmallTokenizerFiles.SpecialId, "</s>")), "added_tokens"),
            ("added token without content", json => ((JsonObject)AddedTokens(json)[0]!).Remove("content"), "added_tokens"),
        }.Select(c => new TestCaseData(c.Break, c.Key).SetArgDisplayNames(c.Description));

    [Test]
    public void TheSmallTokenizer_LoadsAndWorks()
    {
        // The cases below break this file one thing at a time; it must be valid as it is.
        using var files = new SmallTokenizerFiles();
        files.WriteTokenizerJson(SmallTokenizerFiles.ValidTokenizerJson());
        var tokenizer = Tokenizer.Load(files.Directory);

        Assert.That(tokenizer.Encode("ab<s>a"), Is.EqualTo(new[] { SmallTokenizerFiles.MergedId, SmallTokenizerFiles.SpecialId, 'a' }));
        Assert.That(tokenizer.Decode([SmallTokenizerFiles.MergedId, ' ', SmallTokenizerFiles.SpecialId]), Is.EqualTo("ab <s>"));
        Assert.That(tokenizer.VocabularySize, Is.EqualTo(258));
    }

    [TestCaseSource(nameof(BrokenTokenizerJson))]
    public void BrokenTokenizerJson_IsRejected_NamingTheFileAndTheEntry(Action<JsonObject> breakIt, string key)
    {
        using var files = new SmallTokenizerFiles();
        var json = SmallTokenizerFiles.ValidTokenizerJson();
        breakIt(json);
        files.WriteTokenizerJson(json);

        Assert.That(
            () => Tokenizer.Load(files.Directory),
            Throws.InstanceOf<ModelFileException>()
                .With.Message.Contains(files.TokenizerJsonPath)
                .And.Message.Contains(key));
    }

    [TestCase("this is not JSON", TestName = "NotJson_IsRejected_NamingTheFile")]
    [TestCase("[1, 2, 3]", TestName = "JsonArray_IsRejected_NamingTheFile")]
    [TestCase("", TestName = "EmptyFile_IsRejected_NamingTheFile")]
    public void UnreadableTokenizerJson_IsRejected_NamingTheFile(string text)
    {
        using var files = new SmallTokenizerFiles();
        files.WriteTokenizerJson(text);

        Assert.That(
            () => Tokenizer.Load(files.Directory),
            Throws.InstanceOf<ModelFileException>().With.Message.Contains(files.TokenizerJsonPath));
    }

    [Test]
    public void TruncatedTokenizerJson_IsRejected_NamingTheFile()
    {
        using var files = new SmallTokenizerFiles();
        var text = SmallTokenizerFiles.ValidTokenizerJson().ToJsonString();
        files.WriteTokenizerJson(text[..(text.Length / 2)]);

        Assert.That(
            () => Tokenizer.Load(files.Directory),
            Throws.InstanceOf<ModelFileException>().With.Message.Contains(files.TokenizerJsonPath));
    }

    [Test]
    public void FromFiles_NamesTheFileItWasGiven()
    {
        using var files = new SmallTokenizerFiles();
        var json = SmallTokenizerFiles.ValidTokenizerJson();
        json.Remove("model");
        var path = Path.Combine(files.Directory, "renamed-tokenizer.json");
        File.WriteAllText(path, json.ToJsonString());

        Assert.That(
            () => Tokenizer.FromFiles(path),
            Throws.InstanceOf<ModelFileException>().With.Message.Contains(path).And.Message.Contains("model"));
    }

    [Test]
    public void MissingDirectory_IsRejected_NamingIt()
    {
        var directory = Path.Combine(Path.GetTempPath(), "qrt-no-such-model-" + Guid.NewGuid().ToString("N"));

        Assert.That(
            () => Tokenizer.Load(directory),
            Throws.InstanceOf<ModelFileException>().With.Message.Contains(directory));
    }

    [Test]
    public void MissingTokenizerJson_IsRejected_NamingIt()
    {
        using var files = new SmallTokenizerFiles();

        Assert.That(
            () => Tokenizer.Load(files.Directory),
            Throws.InstanceOf<ModelFileException>().With.Message.Contains(files.TokenizerJsonPath));
    }

    [Test]
    public void UnreadableTokenizerConfig_IsRejected_NamingIt()
    {
        using var files = new SmallTokenizerFiles();
        files.WriteTokenizerJson(SmallTokenizerFiles.ValidTokenizerJson());
        files.WriteTokenizerConfig("{\"add_bos_token\": tru");

        Assert.That(
            () => Tokenizer.Load(files.Directory),
            Throws.InstanceOf<ModelFileException>().With.Message.Contains(files.TokenizerConfigPath));
    }

    [TestCase("{\"tokenizer_class\": \"LlamaTokenizerFast\", \"legacy\": \"yes\"}", "legacy")]
    [TestCase("{\"add_prefix_space\": 1}", "add_prefix_space")]
    [TestCase("{\"bos_token\": 42}", "bos_token")]
    [TestCase("{\"eos_token\": [\"</s>\"]}", "eos_token")]
    public void TokenizerConfigEntryOfTheWrongKind_IsRejected_NamingIt(string config, string key)
    {
        using var files = new SmallTokenizerFiles();
        files.WriteTokenizerJson(SmallTokenizerFiles.ValidTokenizerJson());
        files.WriteTokenizerConfig(config);

        Assert.That(
            () => Tokenizer.Load(files.Directory),
            Throws.InstanceOf<ModelFileException>()
                .With.Message.Contains(files.TokenizerConfigPath)
                .And.Message.Contains(key));
    }

    private static JsonObject Typed(string type) => new() { ["type"] = type };

    private static JsonObject Model(JsonObject json) => (JsonObject)json["model"]!;

    private static JsonObject Vocab(JsonObject json) => (JsonObject)Model(json)["vocab"]!;

    private static JsonArray Merges(JsonObject json) => (JsonArray)Model(json)["merges"]!;

    private static JsonArray AddedTokens(JsonObject json) => (JsonArray)json["added_tokens"]!;
}
