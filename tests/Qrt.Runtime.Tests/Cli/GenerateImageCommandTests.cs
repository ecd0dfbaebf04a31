using System.Text.Json;
using Qrt.Cli.Commands;
using Qrt.Runtime.Synthesis;
using Qrt.Runtime.Tests.Api;
using Qrt.Runtime.Tests.Checkpoints;
using Qrt.Runtime.Tests.Models;
using Qrt.Runtime.Text;
using Qrt.Runtime.Vision;

namespace Qrt.Runtime.Tests.Cli;

/// <summary>
/// <c>qrt generate --image</c> end to end on small synthetic Pixtral (W8A8 INT8) and Qwen2-VL (W4A16 act-order)
/// checkpoints: two pictures of odd sizes read from PNG and BMP files, each expanded to the image tokens the
/// reference processor gives its size; and every user mistake about images as one line and exit code 1.
/// </summary>
[TestFixture]
internal sealed class GenerateImageCommandTests
{
    private const string Question = "Describe both pictures.";

    // 37 × 23 and 70 × 21: Pixtral grids 2 × 3 and 2 × 5, Qwen2-VL grids 2 × 3 and 2 × 4 (both below min_pixels, so scaled up).
    private static readonly RgbImage First = VisionLanguageFixtures.Noise(37, 23, seed: 1);
    private static readonly RgbImage Second = VisionLanguageFixtures.Noise(70, 21, seed: 2);

    private readonly SmallCheckpoints _checkpoints = new();
    private readonly TemporaryDirectory _files = new();
    private string _pngPath = string.Empty;
    private string _bmpPath = string.Empty;

    [OneTimeSetUp]
    public void WriteImageFiles()
    {
        _pngPath = _files.File("first.png");
        _bmpPath = _files.File("second.bmp");
        File.WriteAllBytes(_pngPath, VisionLanguageFixtures.Png(First));
        File.WriteAllBytes(_bmpPath, VisionLanguageFixtures.Bmp(Second));
    }

    [OneTimeTearDown]
    public void TearDown()
    {
        _checkpoints.Dispose();
        _files.Dispose();
    }

    [Test]
    public void ExpectedGrids_AreTheHandWorkedOnes()
    {
        // Worked by hand: Pixtral ceil(23/16) × ceil(37/16), ceil(21/16) × ceil(70/16); Qwen2-VL's smart_resize scales
        // 23 × 37 by sqrt(3136 / 851) to 44.2 × 71.0 and rounds up to 56 × 84, and 21 × 70 by sqrt(3136 / 1470) to 30.7 × 102.2 → 56 × 112.
        using (Assert.EnterMultipleScope())
        {
            Assert.That(VisionLanguageFixtures.PixtralGrid(37, 23), Is.EqualTo((2, 3)));
            Assert.That(VisionLanguageFixtures.PixtralGrid(70, 21), Is.EqualTo((2, 5)));
            Assert.That(VisionLanguageFixtures.Qwen2VlGrid(37, 23), Is.EqualTo((2, 3)));
            Assert.That(VisionLanguageFixtures.Qwen2VlGrid(70, 21), Is.EqualTo((2, 4)));

            // Larger pictures: Pixtral scales 2240 × 1680 by 1024 / 2240 to 1024 × 768 (64 × 48 patches); Qwen2-VL keeps 640 × 480 at 644 × 476 (23 × 17).
            Assert.That(VisionLanguageFixtures.PixtralGrid(1680, 2240), Is.EqualTo((64, 48)));
            Assert.That(VisionLanguageFixtures.Qwen2VlGrid(640, 480), Is.EqualTo((17, 23)));
        }
    }

    [TestCaseSource(typeof(VisionLanguageFixtures), nameof(VisionLanguageFixtures.SeedCombinations))]
    public void Json_TwoImages_PromptHoldsEachImagesTokensInTheProcessorsLayout(SyntheticArchitecture architecture, SyntheticScheme scheme)
    {
        var directory = _checkpoints.For(architecture, scheme);
        var (exitCode, output, error) = Run(new GenerateArguments
        {
            ModelDirectory = directory, Prompt = Question, Images = [_pngPath, _bmpPath], MaxTokens = 5, Temperature = 0, Json = true,
        });
        Assert.That(exitCode, Is.Zero, error);

        using var document = JsonDocument.Parse(output);
        var promptIds = Ids(document.RootElement, "prompt_token_ids");
        var outputIds = Ids(document.RootElement, "output_token_ids");
        using var model = QrtModel.Load(directory);
        var tokenizer = model.Tokenizer;
        var unexpanded = tokenizer.Encode(VisionLanguageFixtures.RenderedUserTurn(architecture, Question, 2), addSpecialTokens: false);
        var pixtral = architecture == SyntheticArchitecture.Pixtral;
        var imageId = VisionLanguageFixtures.Id(tokenizer, pixtral ? "[IMG]" : "<|image_pad|>");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(promptIds, Is.EqualTo(VisionLanguageFixtures.Expand(architecture, tokenizer, unexpanded, [First, Second])));
            Assert.That(promptIds.Count(id => id == imageId), Is.EqualTo(pixtral ? 6 + 10 : 6 + 8), "image tokens of a 2 x 3 and a 2 x 5 (Qwen2-VL: 2 x 4) grid");
            if (pixtral)
            {
                Assert.That(promptIds.Count(id => id == VisionLanguageFixtures.Id(tokenizer, "[IMG_BREAK]")), Is.EqualTo(2), "one break after each image's first row");
                Assert.That(promptIds.Count(id => id == VisionLanguageFixtures.Id(tokenizer, "[IMG_END]")), Is.EqualTo(2));
            }
            else
            {
                Assert.That(promptIds.Count(id => id == VisionLanguageFixtures.Id(tokenizer, "<|vision_start|>")), Is.EqualTo(2));
                Assert.That(promptIds.Count(id => id == VisionLanguageFixtures.Id(tokenizer, "<|vision_end|>")), Is.EqualTo(2));
            }

            Assert.That(outputIds, Is.Not.Empty.And.All.InRange(0, tokenizer.VocabularySize - 1));
            Assert.That(document.RootElement.GetProperty("text").GetString(), Is.EqualTo(tokenizer.Decode(outputIds, skipSpecialTokens: true)));

            // The encoder's time is part of the request: before the first token, apart from the language model's prefill.
            var timings = document.RootElement.GetProperty("timings");
            var encoding = timings.GetProperty("image_encoding_seconds").GetDouble();
            Assert.That(encoding, Is.GreaterThan(0));
            Assert.That(
                timings.GetProperty("time_to_first_token_seconds").GetDouble(),
                Is.GreaterThanOrEqualTo(encoding + timings.GetProperty("prefill_seconds").GetDouble()));
        }
    }

    [TestCaseSource(typeof(VisionLanguageFixtures), nameof(VisionLanguageFixtures.SeedCombinations))]
    public void Streamed_TwoImages_PrintsTheSameTextAsJson(SyntheticArchitecture architecture, SyntheticScheme scheme)
    {
        var arguments = new GenerateArguments
        {
            ModelDirectory = _checkpoints.For(architecture, scheme), Prompt = Question, Images = [_pngPath, _bmpPath], MaxTokens = 5, Temperature = 0,
        };
        var (exitCode, output, error) = Run(arguments);
        var (_, json, _) = Run(arguments with { Json = true });
        using var document = JsonDocument.Parse(json);
        var promptTokens = Ids(document.RootElement, "prompt_token_ids").Length;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(exitCode, Is.Zero, error);
            Assert.That(output, Is.EqualTo(document.RootElement.GetProperty("text").GetString() + "\n"));
            Assert.That(error, Does.Contain($"({promptTokens} prompt tokens"), "the timings count the image tokens");
        }
    }

    [TestCaseSource(typeof(VisionLanguageFixtures), nameof(VisionLanguageFixtures.SeedCombinations))]
    public void Raw_WithOnePlaceholderPerImage_GivesTheChatPromptAndAnswer(SyntheticArchitecture architecture, SyntheticScheme scheme)
    {
        var directory = _checkpoints.For(architecture, scheme);
        var chat = new GenerateArguments { ModelDirectory = directory, Prompt = Question, Images = [_pngPath, _bmpPath], MaxTokens = 5, Temperature = 0, Json = true };
        var raw = chat with { Prompt = VisionLanguageFixtures.RawUserTurn(architecture, Question, 2), Raw = true };
        var (chatExit, chatOutput, chatError) = Run(chat);
        var (rawExit, rawOutput, rawError) = Run(raw);
        Assert.That((chatExit, rawExit), Is.EqualTo((0, 0)), chatError + rawError);

        using var chatDocument = JsonDocument.Parse(chatOutput);
        using var rawDocument = JsonDocument.Parse(rawOutput);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Ids(rawDocument.RootElement, "prompt_token_ids"), Is.EqualTo(Ids(chatDocument.RootElement, "prompt_token_ids")));
            Assert.That(Ids(rawDocument.RootElement, "output_token_ids"), Is.EqualTo(Ids(chatDocument.RootElement, "output_token_ids")));
        }
    }

    [TestCase(SyntheticArchitecture.Pixtral, 0, TestName = "Raw_NoPlaceholderForTwoImages_IsOneLineAndExitCode1_Pixtral")]
    [TestCase(SyntheticArchitecture.Pixtral, 3, TestName = "Raw_ThreePlaceholdersForTwoImages_IsOneLineAndExitCode1_Pixtral")]
    [TestCase(SyntheticArchitecture.Qwen2Vl, 1, TestName = "Raw_OnePlaceholderForTwoImages_IsOneLineAndExitCode1_Qwen2Vl")]
    public void Raw_PlaceholderCountMismatch_IsOneLineAndExitCode1(SyntheticArchitecture architecture, int placeholders)
    {
        var scheme = architecture == SyntheticArchitecture.Pixtral ? SyntheticScheme.W8A8Int8 : SyntheticScheme.W4A16ActOrder;
        var prompt = string.Concat(Enumerable.Repeat(VisionLanguageFixtures.Placeholder(architecture), placeholders)) + Question;
        var (exitCode, output, error) = Run(new GenerateArguments
        {
            ModelDirectory = _checkpoints.For(architecture, scheme), Prompt = prompt, Raw = true, Images = [_pngPath, _bmpPath], MaxTokens = 2,
        });
        AssertOneLineFailure(exitCode, output, error, "2 image(s) given", $"{placeholders} placeholder(s) found", VisionLanguageFixtures.Placeholder(architecture));
    }

    [Test]
    public void MissingImageFile_IsOneLineNamingIt_BeforeTheModelLoads()
    {
        var missing = _files.File("no-such-picture.png");
        var loads = 0;
        var (exitCode, output, error) = Run(
            new GenerateArguments { ModelDirectory = "unused", Prompt = Question, Images = [_pngPath, missing] },
            (directory, options) =>
            {
                loads++;
                return QrtModel.Load(directory, options);
            });
        AssertOneLineFailure(exitCode, output, error, missing, "does not exist");
        Assert.That(loads, Is.Zero, "the images are read before the weights");
    }

    [Test]
    public void GarbageImageFile_IsOneLineNamingIt()
    {
        var garbage = _files.File("garbage.jpg");
        File.WriteAllBytes(garbage, [.. Enumerable.Range(0, 300).Select(i => (byte)(i * 7))]);
        var (exitCode, output, error) = Run(new GenerateArguments
        {
            ModelDirectory = _checkpoints.For(SyntheticArchitecture.Pixtral, SyntheticScheme.W8A8Int8), Prompt = Question, Images = [garbage],
        });
        AssertOneLineFailure(exitCode, output, error, garbage);
    }

    [Test]
    public void TextModel_WithAnImage_IsOneLineSayingItHasNoImageEncoder()
    {
        var directory = _checkpoints.For(SyntheticArchitecture.Mistral, SyntheticScheme.W8A8Int8);
        var (exitCode, output, error) = Run(new GenerateArguments { ModelDirectory = directory, Prompt = Question, Images = [_pngPath] });
        AssertOneLineFailure(exitCode, output, error, "no image encoder", directory);
    }

    [TestCaseSource(typeof(VisionLanguageFixtures), nameof(VisionLanguageFixtures.SeedCombinations))]
    public void TooManyImagesForTheContext_IsOneLineAboutTheImages(SyntheticArchitecture architecture, SyntheticScheme scheme)
    {
        // A context exactly as long as the expanded prompt: the text alone fits, the images leave no room for a token.
        var directory = _checkpoints.For(architecture, scheme);
        var tokenizer = Tokenizer.Load(directory);
        var unexpanded = tokenizer.Encode(VisionLanguageFixtures.RenderedUserTurn(architecture, Question, 2), addSpecialTokens: false);
        var maxContext = VisionLanguageFixtures.Expand(architecture, tokenizer, unexpanded, [First, Second]).Length;
        var (exitCode, output, error) = Run(new GenerateArguments
        {
            ModelDirectory = directory, Prompt = Question, Images = [_pngPath, _bmpPath], MaxContext = maxContext,
        });
        AssertOneLineFailure(exitCode, output, error, $"2 image(s) takes {maxContext} tokens", $"context holds {maxContext}");
    }

    [TestCaseSource(typeof(VisionLanguageFixtures), nameof(VisionLanguageFixtures.SeedCombinations))]
    public void InfoModel_ListsTheVisionLayerKindsAsBf16(SyntheticArchitecture architecture, SyntheticScheme scheme)
    {
        using var output = new StringWriter { NewLine = "\n" };
        using var error = new StringWriter { NewLine = "\n" };
        var exitCode = InfoCommand.RunModel(_checkpoints.For(architecture, scheme), output, error, QrtModel.Load);
        var lines = output.ToString().Split('\n');
        var pixtral = architecture == SyntheticArchitecture.Pixtral;

        // Two tower blocks (Pixtral's q/k/v/o and gate/up/down, Qwen2-VL's fused qkv, proj, fc1, fc2), the patch
        // embedding, and Llava's two projector layers or Qwen2-VL's two merger layers: all BF16 whatever the scheme.
        string[] visionLines = pixtral
            ?
            [
                "  vision_tower.patch_conv: BF16 (1 layer)",
                .. new[] { "attention.q_proj", "attention.k_proj", "attention.v_proj", "attention.o_proj", "feed_forward.gate_proj", "feed_forward.up_proj", "feed_forward.down_proj" }
                    .Select(kind => $"  vision_tower.{kind}: BF16 (2 layers)"),
                "  multi_modal_projector.linear_1: BF16 (1 layer)",
                "  multi_modal_projector.linear_2: BF16 (1 layer)",
            ]
            :
            [
                "  visual.patch_embed: BF16 (1 layer)",
                .. new[] { "attn.qkv", "attn.proj", "mlp.fc1", "mlp.fc2" }.Select(kind => $"  visual.{kind}: BF16 (2 layers)"),
                "  visual.merger.mlp.0: BF16 (1 layer)",
                "  visual.merger.mlp.2: BF16 (1 layer)",
            ];
        using (Assert.EnterMultipleScope())
        {
            Assert.That(exitCode, Is.Zero, error.ToString());
            Assert.That(output.ToString(), Does.Contain(pixtral ? "architecture: LlavaForConditionalGeneration\n" : "architecture: Qwen2VLForConditionalGeneration\n"));
            Assert.That(lines, Is.SupersetOf(visionLines));
            Assert.That(lines, Does.Contain(pixtral ? "  self_attn.q_proj: W8A8-INT8 dynamic (2 layers)" : "  self_attn.q_proj: W4A16 g32 act-order (2 layers)"),
                "the language model keeps its scheme");
        }
    }

    private static void AssertOneLineFailure(int exitCode, string output, string error, params string[] mentions)
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(exitCode, Is.EqualTo(1), error);
            Assert.That(output, Is.Empty);
            Assert.That(error, Does.StartWith("qrt: "));
            Assert.That(error.TrimEnd('\n'), Does.Not.Contain('\n'), "one line");
            foreach (var mention in mentions)
            {
                Assert.That(error, Does.Contain(mention));
            }
        }
    }

    private static int[] Ids(JsonElement root, string name) => [.. root.GetProperty(name).EnumerateArray().Select(id => id.GetInt32())];

    private static (int ExitCode, string Output, string Error) Run(GenerateArguments arguments, Func<string, QrtModelOptions, QrtModel>? load = null)
    {
        using var output = new StringWriter { NewLine = "\n" };
        using var error = new StringWriter { NewLine = "\n" };
        var exitCode = GenerateCommand.Run(arguments, output, error, load ?? QrtModel.Load, CancellationToken.None);
        return (exitCode, output.ToString(), error.ToString());
    }
}
