using System.Text.Json.Nodes;
using Qrt.Runtime.Checkpoints;
using Qrt.Runtime.Synthesis;
using Qrt.Runtime.Tests.Api;
using Qrt.Runtime.Tests.Models.Forward;
using Qrt.Runtime.Text;
using Qrt.Runtime.Vision;

namespace Qrt.Runtime.Tests.Models;

/// <summary>
/// Loading vision-language checkpoints whose files are damaged or disagree — each a <see cref="ModelFileException" />
/// naming the file and the key or tensor at fault — and a checkpoint re-saved with the tensor names transformers 4.52
/// and later write (<c>model.language_model.*</c>, <c>model.vision_tower.*</c> / <c>model.visual.*</c>, <c>lm_head</c>),
/// which must load and answer as the original does.
/// </summary>
[TestFixture]
internal sealed class VisionLanguageLoaderTests
{
    private const SyntheticScheme PixtralScheme = SyntheticScheme.W8A8Int8;
    private const SyntheticScheme Qwen2VlScheme = SyntheticScheme.W4A16ActOrder;

    private readonly SmallCheckpoints _checkpoints = new();

    [OneTimeTearDown]
    public void TearDown() => _checkpoints.Dispose();

    [TestCase(SyntheticArchitecture.Pixtral, PixtralScheme)]
    [TestCase(SyntheticArchitecture.Qwen2Vl, Qwen2VlScheme)]
    public void MissingPreprocessorConfig_NamesTheFile(SyntheticArchitecture architecture, SyntheticScheme scheme)
    {
        var directory = _checkpoints.Copy(architecture, scheme);
        var path = Path.Combine(directory, "preprocessor_config.json");
        File.Delete(path);
        Assert.That(() => QrtModel.Load(directory), Throws.InstanceOf<ModelFileException>()
            .With.Message.StartsWith(path).And.Message.Contains("missing")
            .And.Property(nameof(ModelFileException.FilePath)).EqualTo(path));
    }

    [TestCase(SyntheticArchitecture.Pixtral, PixtralScheme, 14, 16)]
    [TestCase(SyntheticArchitecture.Qwen2Vl, Qwen2VlScheme, 16, 14)]
    public void PreprocessorPatchSize_OtherThanTheTowers_NamesTheFileAndBothSizes(SyntheticArchitecture architecture, SyntheticScheme scheme, int written, int tower)
    {
        var directory = _checkpoints.Copy(architecture, scheme);
        var path = Path.Combine(directory, "preprocessor_config.json");
        EditJson(path, root => root["patch_size"] = architecture == SyntheticArchitecture.Pixtral
            ? new JsonObject { ["height"] = written, ["width"] = written }
            : written);
        Assert.That(() => QrtModel.Load(directory), Throws.InstanceOf<ModelFileException>()
            .With.Message.StartsWith(path).And.Message.Contains("patch_size").And.Message.Contains($"{written}").And.Message.Contains($"{tower}"));
    }

    [TestCase(SyntheticArchitecture.Pixtral, PixtralScheme, "vision_tower.transformer.layers.1.attention.k_proj.weight")]
    [TestCase(SyntheticArchitecture.Pixtral, PixtralScheme, "multi_modal_projector.linear_2.bias")]
    [TestCase(SyntheticArchitecture.Qwen2Vl, Qwen2VlScheme, "visual.blocks.1.attn.qkv.bias")]
    [TestCase(SyntheticArchitecture.Qwen2Vl, Qwen2VlScheme, "visual.merger.ln_q.weight")]
    public void MissingVisionTensor_NamesTheTensorAndTheCheckpoint(SyntheticArchitecture architecture, SyntheticScheme scheme, string tensor)
    {
        var directory = _checkpoints.Copy(architecture, scheme);
        CheckpointEdits.Resave(directory, name => name == tensor ? null : name);
        Assert.That(() => QrtModel.Load(directory), Throws.InstanceOf<ModelFileException>()
            .With.Message.Contains(tensor).And.Message.Contains(directory));
    }

    [Test]
    public void Qwen2Vl_MergerWidthOtherThanTheTextHidden_NamesConfigAndKey()
    {
        var directory = _checkpoints.Copy(SyntheticArchitecture.Qwen2Vl, Qwen2VlScheme);
        var path = Path.Combine(directory, "config.json");
        EditJson(path, root => root["vision_config"]!["hidden_size"] = 96);
        Assert.That(() => QrtModel.Load(directory), Throws.InstanceOf<ModelFileException>()
            .With.Message.StartsWith(path).And.Message.Contains("vision_config").And.Message.Contains("hidden_size 96").And.Message.Contains("64"));
    }

    [Test]
    public void Qwen2Vl_WithoutMropeSection_NamesConfigAndKey()
    {
        var directory = _checkpoints.Copy(SyntheticArchitecture.Qwen2Vl, Qwen2VlScheme);
        var path = Path.Combine(directory, "config.json");
        EditJson(path, root => root["rope_scaling"]!.AsObject().Remove("mrope_section"));
        Assert.That(() => QrtModel.Load(directory), Throws.InstanceOf<ModelFileException>()
            .With.Message.StartsWith(path).And.Message.Contains("rope_scaling").And.Message.Contains("mrope_section"));
    }

    [TestCase(SyntheticArchitecture.Pixtral, PixtralScheme, "image_token_index", "[IMG]")]
    [TestCase(SyntheticArchitecture.Qwen2Vl, Qwen2VlScheme, "image_token_id", "<|image_pad|>")]
    [TestCase(SyntheticArchitecture.Qwen2Vl, Qwen2VlScheme, "vision_start_token_id", "<|vision_start|>")]
    public void ImageTokenId_DisagreeingWithTheTokenizer_NamesConfigKeyAndBothIds(SyntheticArchitecture architecture, SyntheticScheme scheme, string key, string token)
    {
        var directory = _checkpoints.Copy(architecture, scheme);
        var path = Path.Combine(directory, "config.json");
        var tokenizer = Tokenizer.Load(directory);
        var tokenizerId = VisionLanguageFixtures.Id(tokenizer, token);

        // Another control token's id: inside the vocabulary, so only the disagreement is wrong.
        var wrong = VisionLanguageFixtures.Id(tokenizer, architecture == SyntheticArchitecture.Pixtral ? "[INST]" : "<|im_start|>");
        EditJson(path, root => root[key] = wrong);
        Assert.That(() => QrtModel.Load(directory), Throws.InstanceOf<ModelFileException>()
            .With.Message.StartsWith(path).And.Message.Contains(key).And.Message.Contains($"is {wrong}, but the tokenizer's {token} is {tokenizerId}"));
    }

    [TestCase(SyntheticArchitecture.Pixtral, PixtralScheme)]
    [TestCase(SyntheticArchitecture.Qwen2Vl, Qwen2VlScheme)]
    public void ResavedWithTransformers452Names_LoadsAndAnswersAsTheOriginal(SyntheticArchitecture architecture, SyntheticScheme scheme)
    {
        var original = _checkpoints.For(architecture, scheme);
        var renamed = _checkpoints.Copy(architecture, scheme);
        var pixtral = architecture == SyntheticArchitecture.Pixtral;
        CheckpointEdits.Resave(renamed, pixtral ? RenamePixtral : RenameQwen2Vl);

        // The quantization config's ignore list names modules as the file does, so a re-saved file lists the new names.
        EditJson(Path.Combine(renamed, "config.json"), root => root["quantization_config"]!["ignore"] = pixtral
            ? new JsonArray("lm_head", "re:model.vision_tower.*", "re:model.multi_modal_projector.*")
            : new JsonArray("lm_head", "re:model.visual.*"));

        using (var checkpoint = SafetensorsCheckpoint.Open(renamed))
        {
            Assert.That(checkpoint.Names.Where(name => !name.StartsWith("model.", StringComparison.Ordinal) && !name.StartsWith("lm_head.", StringComparison.Ordinal)), Is.Empty);
            Assert.That(checkpoint.Contains("model.language_model.embed_tokens.weight"), Is.True);
        }

        RgbImage[] images = [VisionLanguageFixtures.Noise(37, 23, seed: 1), VisionLanguageFixtures.Noise(70, 21, seed: 2)];
        var options = new GenerationOptions { Temperature = 0, MaxTokens = 6, IgnoreEndOfSequence = true };
        using var before = QrtModel.Load(original);
        using var after = QrtModel.Load(renamed);
        var expected = before.Chat([ChatMessage.User("What is shown?", images)], options);
        var actual = after.Chat([ChatMessage.User("What is shown?", images)], options);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(actual.PromptTokenIds, Is.EqualTo(expected.PromptTokenIds));
            Assert.That(actual.OutputTokenIds, Is.EqualTo(expected.OutputTokenIds));
            Assert.That(after.Summary.Schemes, Is.EqualTo(before.Summary.Schemes), "the same layers in the same schemes");
        }
    }

    /// <summary>LlavaForConditionalGeneration's names from transformers 4.52 on.</summary>
    private static string? RenamePixtral(string name) => name switch
    {
        _ when name.StartsWith("language_model.model.", StringComparison.Ordinal) => "model.language_model." + name["language_model.model.".Length..],
        _ when name.StartsWith("language_model.lm_head.", StringComparison.Ordinal) => name["language_model.".Length..],
        _ when name.StartsWith("vision_tower.", StringComparison.Ordinal) || name.StartsWith("multi_modal_projector.", StringComparison.Ordinal) => "model." + name,
        _ => throw new InvalidOperationException($"unexpected tensor {name}"),
    };

    /// <summary>Qwen2VLForConditionalGeneration's names from transformers 4.52 on.</summary>
    private static string? RenameQwen2Vl(string name) => name switch
    {
        _ when name.StartsWith("model.", StringComparison.Ordinal) => "model.language_model." + name["model.".Length..],
        _ when name.StartsWith("visual.", StringComparison.Ordinal) => "model." + name,
        _ when name.StartsWith("lm_head.", StringComparison.Ordinal) => name,
        _ => throw new InvalidOperationException($"unexpected tensor {name}"),
    };

    private static void EditJson(string path, Action<JsonObject> edit)
    {
        var root = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(root);
        File.WriteAllText(path, root.ToJsonString());
    }
}
