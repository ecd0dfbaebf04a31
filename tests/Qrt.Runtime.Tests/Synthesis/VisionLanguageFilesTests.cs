using System.Text.Json;
using Qrt.Runtime.Synthesis;
using Qrt.Runtime.Text;
using Qrt.Runtime.Vision;

namespace Qrt.Runtime.Tests.Synthesis;

/// <summary>
/// The files beside the weights of the vision-language checkpoints: the chat template renders image parts as the
/// model's placeholder, and preprocessor_config.json / processor_config.json carry the released processors' values.
/// </summary>
[TestFixture]
internal sealed class VisionLanguageFilesTests
{
    private const string Question = "What is in this picture?";

    [Test]
    public void PixtralTemplate_RendersAnImagePartAsImg_AndStringContentAsText()
    {
        var (directory, _) = SyntheticFixtures.WriteTiny(SyntheticArchitecture.Pixtral, SyntheticScheme.Bf16);
        using var _ = directory;
        var template = ChatTemplate.Load(directory.Path);
        var tokenizer = Tokenizer.Load(directory.Path);
        var withImage = template.Render([ChatMessage.User(ChatContentPart.Image(), ChatContentPart.FromText(Question))], addGenerationPrompt: true);
        var conversation = template.Render(
            [ChatMessage.System("Be brief."), ChatMessage.User("Hi"), ChatMessage.Assistant("Hello"), ChatMessage.User(ChatContentPart.FromText("Look: "), ChatContentPart.Image())],
            addGenerationPrompt: true);
        var ids = tokenizer.Encode(withImage, addSpecialTokens: false);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(withImage, Is.EqualTo($"<s>[INST][IMG]{Question}[/INST]"));
            Assert.That(conversation, Is.EqualTo("<s>[INST]Hi[/INST]Hello</s>[INST]Be brief.\n\nLook: [IMG][/INST]"), "the system prompt joins the last user turn");
            Assert.That(ids.Count(id => id == tokenizer.TokenToId("[IMG]")), Is.EqualTo(1), "the placeholder is one token");
            Assert.That(ids[0], Is.EqualTo(tokenizer.TokenToId("<s>")));
        }
    }

    [Test]
    public void Qwen2VlTemplate_RendersAnImagePartAsTheVisionBlock_UnderTheDefaultSystemPrompt()
    {
        var (directory, _) = SyntheticFixtures.WriteTiny(SyntheticArchitecture.Qwen2Vl, SyntheticScheme.Bf16);
        using var _ = directory;
        var template = ChatTemplate.Load(directory.Path);
        var tokenizer = Tokenizer.Load(directory.Path);
        var prompt = template.Render([ChatMessage.User(ChatContentPart.Image(), ChatContentPart.FromText(Question))], addGenerationPrompt: true);
        var textOnly = template.Render([ChatMessage.User("Hi")], addGenerationPrompt: false);
        var ids = tokenizer.Encode(prompt, addSpecialTokens: false);
        var (start, pad, end) = (tokenizer.TokenToId("<|vision_start|>")!.Value, tokenizer.TokenToId("<|image_pad|>")!.Value, tokenizer.TokenToId("<|vision_end|>")!.Value);
        var at = Array.IndexOf(ids, start);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(prompt, Is.EqualTo(
                "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n" +
                $"<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>{Question}<|im_end|>\n" +
                "<|im_start|>assistant\n"));
            Assert.That(textOnly, Is.EqualTo("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"));
            Assert.That(at, Is.GreaterThan(0));
            Assert.That(ids.Skip(at).Take(3), Is.EqualTo(new[] { start, pad, end }), "three control tokens in a row");
        }
    }

    [Test]
    public void PixtralProcessorFiles_HaveTheReleasedValues()
    {
        var (directory, summary) = SyntheticFixtures.WriteTiny(SyntheticArchitecture.Pixtral, SyntheticScheme.W8A8Int8);
        using var _ = directory;
        var config = PreprocessorConfig.Read(directory.File(PreprocessorConfig.FileName));
        using var processor = JsonDocument.Parse(File.ReadAllBytes(directory.File("processor_config.json")));
        var processorEntries = processor.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ToString());
        using (Assert.EnterMultipleScope())
        {
            Assert.That(summary.Files.Select(Path.GetFileName), Does.Contain("preprocessor_config.json").And.Contain("processor_config.json"));
            Assert.That((config.PatchHeight, config.PatchWidth, config.LongestEdge), Is.EqualTo(((int?)16, (int?)16, (int?)1024)));
            Assert.That(config.ImageProcessorType, Is.EqualTo("PixtralImageProcessor"));
            Assert.That(config.ImageMean, Is.EqualTo(new[] { 0.48145466, 0.4578275, 0.40821073 }));
            Assert.That(config.ImageStd, Is.EqualTo(new[] { 0.26862954, 0.26130258, 0.27577711 }));
            Assert.That(config.RescaleFactor, Is.EqualTo(1.0 / 255.0));
            Assert.That((config.DoConvertRgb, config.DoResize, config.DoRescale, config.DoNormalize, config.Resample), Is.EqualTo((true, true, true, true, 3)));
            Assert.That(processorEntries, Is.EquivalentTo(new Dictionary<string, string>
            {
                ["image_break_token"] = "[IMG_BREAK]",
                ["image_end_token"] = "[IMG_END]",
                ["image_token"] = "[IMG]",
                ["patch_size"] = "16",
                ["processor_class"] = "PixtralProcessor",
            }));
        }
    }

    [Test]
    public void Qwen2VlPreprocessor_HasTheReleasedPixelBoundsAndPatches()
    {
        var (directory, summary) = SyntheticFixtures.WriteTiny(SyntheticArchitecture.Qwen2Vl, SyntheticScheme.W4A16ActOrder);
        using var _ = directory;
        var config = PreprocessorConfig.Read(directory.File(PreprocessorConfig.FileName));
        using (Assert.EnterMultipleScope())
        {
            Assert.That((config.MinPixels, config.MaxPixels), Is.EqualTo(((int?)(56 * 56), (int?)(3584 * 3584))));
            Assert.That((config.PatchHeight, config.PatchWidth, config.TemporalPatchSize, config.MergeSize), Is.EqualTo(((int?)14, (int?)14, (int?)2, (int?)2)));
            Assert.That(config.ImageProcessorType, Is.EqualTo("Qwen2VLImageProcessor"));
            Assert.That(config.ImageMean, Is.EqualTo(new[] { 0.48145466, 0.4578275, 0.40821073 }));
            Assert.That(config.RescaleFactor, Is.EqualTo(1.0 / 255.0));
            Assert.That(File.Exists(directory.File("processor_config.json")), Is.False, "Qwen2-VL ships none");
            Assert.That(summary.Files.Select(Path.GetFileName), Does.Contain("preprocessor_config.json"));
        }
    }

    [TestCase(SyntheticArchitecture.Pixtral)]
    [TestCase(SyntheticArchitecture.Qwen2Vl)]
    public void ChatTemplateJson_IsTheProcessorsCopyOfTheTokenizersTemplate(SyntheticArchitecture architecture)
    {
        // transformers' processors read the template from chat_template.json, not from tokenizer_config.json.
        var (directory, _) = SyntheticFixtures.WriteTiny(architecture, SyntheticScheme.Bf16);
        using var _ = directory;
        using var processor = JsonDocument.Parse(File.ReadAllBytes(directory.File("chat_template.json")));
        using var tokenizer = JsonDocument.Parse(File.ReadAllBytes(directory.File("tokenizer_config.json")));
        Assert.That(processor.RootElement.EnumerateObject().Select(p => p.Name), Is.EqualTo(new[] { "chat_template" }));
        Assert.That(
            processor.RootElement.GetProperty("chat_template").GetString(),
            Is.EqualTo(tokenizer.RootElement.GetProperty("chat_template").GetString()).And.Contain("image"));
    }

    [Test]
    public void TextArchitectures_WriteNoProcessorFiles()
    {
        var (directory, _) = SyntheticFixtures.WriteTiny(SyntheticArchitecture.Mistral, SyntheticScheme.Bf16);
        using var _ = directory;
        Assert.That(File.Exists(directory.File(PreprocessorConfig.FileName)), Is.False);
        Assert.That(File.Exists(directory.File("chat_template.json")), Is.False);
    }
}
