using System.Text.Json;
using Qrt.Runtime.Models.Configuration;
using Qrt.Runtime.Json;

namespace Qrt.Runtime.Tests.Models.Configuration;

/// <summary>generation_config.json files written here, read into <see cref="GenerationConfig" />.</summary>
[TestFixture]
internal sealed class GenerationConfigTests
{
    private static GenerationConfig Read(string json) =>
        GenerationConfig.Read(new JsonSection("generation_config.json", string.Empty, JsonDocument.Parse(json).RootElement));

    [Test]
    public void SingleEos_AndSamplingValues()
    {
        var config = Read("""
            {"bos_token_id": 1, "eos_token_id": 2, "pad_token_id": 11, "temperature": 0.7, "top_p": 0.95, "top_k": 50,
             "do_sample": true, "max_new_tokens": 256, "max_length": 4096, "repetition_penalty": 1.05}
            """);
        Assert.That((config.BosTokenId, config.EosTokenIds, config.PadTokenId), Is.EqualTo(((int?)1, new[] { 2 }, (int?)11)));
        Assert.That((config.Temperature, config.TopP, config.TopK, config.DoSample), Is.EqualTo(((double?)0.7, (double?)0.95, (int?)50, (bool?)true)));
        Assert.That((config.MaxNewTokens, config.MaxLength, config.RepetitionPenalty), Is.EqualTo(((int?)256, (int?)4096, (double?)1.05)));
    }

    [Test]
    public void EosList_IsKeptInOrder_AndAbsentValuesAreNull()
    {
        var config = Read("""{"eos_token_id": [151645, 151643]}""");
        Assert.That(config.EosTokenIds, Is.EqualTo(new[] { 151645, 151643 }));
        Assert.That((config.BosTokenId, config.Temperature, config.TopK, config.DoSample), Is.EqualTo(((int?)null, (double?)null, (int?)null, (bool?)null)));
    }

    [TestCase("""{"eos_token_id": "2"}""", "'eos_token_id': must be an integer or a list of integers; found String")]
    [TestCase("""{"eos_token_id": [2, "x"]}""", "'eos_token_id[1]': must be a 32-bit integer")]
    [TestCase("""{"top_p": 1.5}""", "'top_p': must be in (0, 1]; found 1.5")]
    [TestCase("""{"temperature": -1}""", "'temperature': must be a finite number at least 0; found -1")]
    [TestCase("""{"max_new_tokens": 0}""", "'max_new_tokens': must be a positive integer; found 0")]
    public void BadValues_NameFileAndKey(string json, string expected)
    {
        var error = Assert.Throws<ModelFileException>(() => Read(json))!;
        Assert.That(error.Message, Does.StartWith("generation_config.json: "));
        Assert.That(error.Message, Does.Contain(expected));
    }

    [Test]
    public void MissingFile_IsEmpty()
    {
        var config = GenerationConfig.Load(Path.Combine(Path.GetTempPath(), $"qrt-absent-{Guid.NewGuid():N}", "generation_config.json"));
        Assert.That(config, Is.SameAs(GenerationConfig.Empty));
        Assert.That(config.EosTokenIds, Is.Empty);
    }
}
