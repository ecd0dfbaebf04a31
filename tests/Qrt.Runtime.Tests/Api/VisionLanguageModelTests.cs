using Microsoft.Extensions.AI;
using Qrt.Runtime.Models;
using Qrt.Runtime.Synthesis;
using Qrt.Runtime.Tests.Models;
using Qrt.Runtime.Text;
using Qrt.Runtime.Vision;
using Qrt.Runtime.Vision.Images;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;
using ChatMessage = Qrt.Runtime.Text.ChatMessage;

namespace Qrt.Runtime.Tests.Api;

/// <summary>
/// <see cref="QrtModel" /> with images on small synthetic Pixtral (W8A8 INT8) and Qwen2-VL (W4A16 act-order)
/// checkpoints: chat with image parts is the raw prompt with placeholders, the picture really reaches the language
/// model, the chat client and the streams agree with the whole answer, and each mistake with images is its own clear
/// exception after which the same model answers as before.
/// </summary>
[TestFixture]
internal sealed class VisionLanguageModelTests
{
    private const string Question = "What is shown?";

    private static readonly GenerationOptions Greedy = new() { Temperature = 0, MaxTokens = 5 };
    private static readonly RgbImage First = VisionLanguageFixtures.Noise(37, 23, seed: 1);
    private static readonly RgbImage Second = VisionLanguageFixtures.Noise(70, 21, seed: 2);

    private readonly SmallCheckpoints _checkpoints = new();
    private readonly Dictionary<SyntheticArchitecture, QrtModel> _models = [];

    [OneTimeTearDown]
    public void TearDown()
    {
        foreach (var model in _models.Values)
        {
            model.Dispose();
        }

        _checkpoints.Dispose();
    }

    [TestCaseSource(typeof(VisionLanguageFixtures), nameof(VisionLanguageFixtures.SeedCombinations))]
    public void Model_SaysItTakesImages_AndItsPlaceholder(SyntheticArchitecture architecture, SyntheticScheme scheme)
    {
        var model = Model(architecture, scheme);
        using var text = QrtModel.Load(_checkpoints.For(SyntheticArchitecture.Mistral, SyntheticScheme.Bf16));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(model.SupportsImages, Is.True);
            Assert.That(model.ImagePlaceholder, Is.EqualTo(VisionLanguageFixtures.Placeholder(architecture)));
            Assert.That(text.SupportsImages, Is.False);
            Assert.That(text.ImagePlaceholder, Is.Null);
        }
    }

    [TestCaseSource(typeof(VisionLanguageFixtures), nameof(VisionLanguageFixtures.SeedCombinations))]
    public void Chat_WithImages_IsGenerateOfTheRenderedPromptWithPlaceholders(SyntheticArchitecture architecture, SyntheticScheme scheme)
    {
        var model = Model(architecture, scheme);
        var chat = model.Chat([ChatMessage.User(Question, [First, Second])], Greedy);
        var raw = model.Generate(VisionLanguageFixtures.RawUserTurn(architecture, Question, 2), [First, Second], Greedy);
        var unexpanded = model.Tokenizer.Encode(VisionLanguageFixtures.RenderedUserTurn(architecture, Question, 2), addSpecialTokens: false);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(chat.PromptTokenIds, Is.EqualTo(VisionLanguageFixtures.Expand(architecture, model.Tokenizer, unexpanded, [First, Second])));
            Assert.That(raw.PromptTokenIds, Is.EqualTo(chat.PromptTokenIds));
            Assert.That(raw.OutputTokenIds, Is.EqualTo(chat.OutputTokenIds));
            Assert.That(raw.Text, Is.EqualTo(chat.Text));
            Assert.That(chat.OutputTokenIds, Is.Not.Empty);
        }
    }

    [TestCaseSource(typeof(VisionLanguageFixtures), nameof(VisionLanguageFixtures.SeedCombinations))]
    public void TheImage_ChangesTheLogits_ButNotThePromptTokens(SyntheticArchitecture architecture, SyntheticScheme scheme)
    {
        // Two pictures of the same size expand to the same tokens; only the encoder's features tell them apart.
        var other = VisionLanguageFixtures.Noise(First.Width, First.Height, seed: 99);
        using var loaded = TextModelLoader.Load(_checkpoints.For(architecture, scheme), Device.Cpu, null, null, CancellationToken.None);
        var encoder = loaded.Images!;
        var ids = loaded.Tokenizer.Encode(VisionLanguageFixtures.RenderedUserTurn(architecture, Question, 1), addSpecialTokens: false);
        var withFirst = encoder.Prepare(ids, [First]);
        var withOther = encoder.Prepare(ids, [other]);
        var firstLogits = LastLogits(loaded, withFirst);
        var againLogits = LastLogits(loaded, encoder.Prepare(ids, [First]));
        var otherLogits = LastLogits(loaded, withOther);
        var largestChange = firstLogits.Zip(otherLogits, (a, b) => Math.Abs(a - b)).Max();
        var logitScale = firstLogits.Max(Math.Abs);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(withOther.Tokens, Is.EqualTo(withFirst.Tokens));
            Assert.That(againLogits, Is.EqualTo(firstLogits), "the same picture gives the same logits");
            Assert.That(largestChange, Is.GreaterThan(1e-3 * logitScale), "another picture moves the logits");
        }
    }

    [TestCaseSource(typeof(VisionLanguageFixtures), nameof(VisionLanguageFixtures.SeedCombinations))]
    public void AnotherImage_ChangesTheGreedyAnswer(SyntheticArchitecture architecture, SyntheticScheme scheme)
    {
        var model = Model(architecture, scheme);
        var options = Greedy with { MaxTokens = 8, IgnoreEndOfSequence = true };
        var answers = Enumerable.Range(0, 3)
            .Select(seed => model.Chat([ChatMessage.User(Question, [VisionLanguageFixtures.Noise(37, 23, seed + 10)])], options).OutputTokenIds.ToArray())
            .ToList();

        // Random weights make the answer depend on the picture; three pictures giving one answer would mean it is ignored.
        Assert.That(answers.Select(answer => string.Join(',', answer)).Distinct().Count(), Is.GreaterThan(1));
    }

    [TestCaseSource(typeof(VisionLanguageFixtures), nameof(VisionLanguageFixtures.SeedCombinations))]
    public async Task ChatClient_WithPngData_AnswersAsChat(SyntheticArchitecture architecture, SyntheticScheme scheme)
    {
        var model = Model(architecture, scheme);
        using var client = model.AsChatClient();
        AiChatMessage message = new(ChatRole.User, [
            new DataContent(VisionLanguageFixtures.Png(First), "image/png"),
            new DataContent(VisionLanguageFixtures.Bmp(Second), "image/bmp"),
            new TextContent(Question),
        ]);
        var response = await client.GetResponseAsync([message], new ChatOptions { Temperature = 0, MaxOutputTokens = 5 });
        var streamed = string.Concat(await ToListAsync(client.GetStreamingResponseAsync([message], new ChatOptions { Temperature = 0, MaxOutputTokens = 5 })));
        var chat = model.Chat([ChatMessage.User(Question, [First, Second])], Greedy);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(response.Text, Is.EqualTo(chat.Text));
            Assert.That(response.Usage!.InputTokenCount, Is.EqualTo(chat.PromptTokenIds.Count), "the image tokens are counted");
            Assert.That(streamed, Is.EqualTo(chat.Text));
        }
    }

    [TestCaseSource(typeof(VisionLanguageFixtures), nameof(VisionLanguageFixtures.SeedCombinations))]
    public async Task Streams_GiveTheWholeText(SyntheticArchitecture architecture, SyntheticScheme scheme)
    {
        var model = Model(architecture, scheme);
        var options = Greedy with { MaxTokens = 8 };
        var raw = VisionLanguageFixtures.RawUserTurn(architecture, Question, 2);
        var whole = model.Generate(raw, [First, Second], options);
        var asyncWhole = await model.GenerateAsync(raw, [First, Second], options);
        var chatPieces = new List<GeneratedPiece>();
        await foreach (var piece in model.ChatStreamAsync([ChatMessage.User(Question, [First, Second])], options))
        {
            chatPieces.Add(piece);
        }

        var rawText = string.Empty;
        await foreach (var piece in model.StreamAsync(raw, [First, Second], options))
        {
            rawText += piece.Text;
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(asyncWhole.OutputTokenIds, Is.EqualTo(whole.OutputTokenIds));
            Assert.That(string.Concat(chatPieces.Select(piece => piece.Text)), Is.EqualTo(whole.Text));
            Assert.That(chatPieces[^1].Completion!.OutputTokenIds, Is.EqualTo(whole.OutputTokenIds));
            Assert.That(rawText, Is.EqualTo(whole.Text));
        }
    }

    [TestCaseSource(typeof(VisionLanguageFixtures), nameof(VisionLanguageFixtures.SeedCombinations))]
    public void EachMistake_IsItsOwnException_AndTheModelStillAnswers(SyntheticArchitecture architecture, SyntheticScheme scheme)
    {
        var model = Model(architecture, scheme);
        var normal = () => model.Chat([ChatMessage.User(Question, [First])], Greedy).OutputTokenIds.ToArray();
        var expected = normal();
        var placeholder = VisionLanguageFixtures.Placeholder(architecture);
        var missing = Path.Combine(Path.GetTempPath(), $"qrt-missing-{Guid.NewGuid():N}.png");

        Action[] mistakes =
        [
            () => Assert.That(() => model.Generate(Question, [First], Greedy), Throws.ArgumentException, "no placeholder for one image"),
            () => Assert.That(() => model.Generate(placeholder + placeholder + Question, [First], Greedy), Throws.ArgumentException, "two placeholders, one image"),
            () => Assert.That(() => model.Generate(placeholder + Question, [], Greedy), Throws.ArgumentException, "a placeholder without an image"),
            () => Assert.That(
                () => model.Chat([ChatMessage.User(ChatContentPart.Image(), ChatContentPart.FromText(Question))], Greedy),
                Throws.ArgumentException.With.Message.Contains("no picture")),
            () => Assert.That(
                () => model.Chat([ChatMessage.User(ChatContentPart.FromImageFile(missing))], Greedy),
                Throws.InstanceOf<ImageFormatException>().With.Message.Contains(missing)),
            () => Assert.That(
                () => model.AsChatClient().GetResponseAsync([new AiChatMessage(ChatRole.User, [new DataContent(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 }, "image/png") { Name = "broken.png" }])]).GetAwaiter().GetResult(),
                Throws.InstanceOf<ImageFormatException>().With.Message.Contains("broken.png")),
        ];
        using (Assert.EnterMultipleScope())
        {
            foreach (var mistake in mistakes)
            {
                mistake();
                Assert.That(normal(), Is.EqualTo(expected), "the model answers as before");
            }
        }
    }

    [Test]
    public void Qwen2Vl_ImageBeyondTheAspectRatioLimit_IsAnArgumentExceptionNamingTheImage()
    {
        var model = Model(SyntheticArchitecture.Qwen2Vl, SyntheticScheme.W4A16ActOrder);
        var expected = model.Chat([ChatMessage.User(Question, [First])], Greedy).OutputTokenIds;
        var thin = VisionLanguageFixtures.Noise(403, 2, seed: 3);
        Assert.That(
            () => model.Chat([ChatMessage.User(Question, [First, thin])], Greedy),
            Throws.ArgumentException.With.Message.Contains("image 2 of 2 (403x2)").And.Message.Contains("200"));
        Assert.That(model.Chat([ChatMessage.User(Question, [First])], Greedy).OutputTokenIds, Is.EqualTo(expected));
    }

    [TestCaseSource(typeof(VisionLanguageFixtures), nameof(VisionLanguageFixtures.SeedCombinations))]
    public void TooManyImagesForTheContext_IsPromptTooLong_BeforeTheEncoderRuns(SyntheticArchitecture architecture, SyntheticScheme scheme)
    {
        // A context exactly as long as the prompt with three images: no room for a token, while one image leaves plenty.
        var images = Enumerable.Range(0, 3).Select(_ => First).ToArray();
        var raw = VisionLanguageFixtures.RawUserTurn(architecture, Question, images.Length);
        var tokenizer = Model(architecture, scheme).Tokenizer;
        var unexpanded = tokenizer.Encode(VisionLanguageFixtures.RenderedUserTurn(architecture, Question, images.Length), addSpecialTokens: false);
        var context = VisionLanguageFixtures.Expand(architecture, tokenizer, unexpanded, images).Length;
        using var model = QrtModel.Load(_checkpoints.For(architecture, scheme), new QrtModelOptions { MaxContextLength = context });

        // A request already cancelled would stop at the gate or in the encoder; being told the prompt does not fit shows
        // the check came first. Truncation cannot help: image tokens are never cut.
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(
                () => model.Generate(raw, images, Greedy with { TruncatePrompt = true }, cancelled.Token),
                Throws.InstanceOf<PromptTooLongException>().With.Message.Contains($"3 image(s) takes {context} tokens").And.Message.Contains($"context holds {context}"));
            Assert.That(
                () => model.ChatStreamAsync([ChatMessage.User(Question, images)], Greedy, cancelled.Token),
                Throws.InstanceOf<PromptTooLongException>(), "a stream refuses at the call");
            Assert.That(model.Chat([ChatMessage.User(Question, [First])], Greedy).OutputTokenIds, Is.Not.Empty, "one image fits");
        }
    }

    [Test]
    public void VideoPart_IsNotSupported_AndTheModelStillAnswers()
    {
        var model = Model(SyntheticArchitecture.Qwen2Vl, SyntheticScheme.W4A16ActOrder);
        var expected = model.Chat([ChatMessage.User(Question, [First])], Greedy).OutputTokenIds;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(
                () => model.Chat([new ChatMessage("user", [ChatContentPart.Video(), ChatContentPart.FromText(Question)])], Greedy),
                Throws.TypeOf<NotSupportedException>().With.Message.Contains("video"));
            Assert.That(model.Chat([ChatMessage.User(Question, [First])], Greedy).OutputTokenIds, Is.EqualTo(expected));
        }
    }

    [Test]
    public void TextModel_GivenImages_IsNotSupported_AndStillAnswersText()
    {
        using var model = QrtModel.Load(_checkpoints.For(SyntheticArchitecture.Mistral, SyntheticScheme.W8A8Int8));
        var expected = model.Chat([ChatMessage.User(Question)], Greedy).OutputTokenIds;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(() => model.Generate("[IMG]" + Question, [First], Greedy), Throws.InstanceOf<NotSupportedException>().With.Message.Contains("no image encoder"));
            Assert.That(() => model.Chat([ChatMessage.User(Question, [First])], Greedy), Throws.InstanceOf<NotSupportedException>().With.Message.Contains("no image encoder"));
            Assert.That(
                () => model.AsChatClient().GetResponseAsync([new AiChatMessage(ChatRole.User, [new DataContent(VisionLanguageFixtures.Png(First), "image/png")])]).GetAwaiter().GetResult(),
                Throws.InstanceOf<NotSupportedException>().With.Message.Contains("no image encoder"));
            Assert.That(model.Chat([ChatMessage.User(Question)], Greedy).OutputTokenIds, Is.EqualTo(expected));
        }
    }

    private QrtModel Model(SyntheticArchitecture architecture, SyntheticScheme scheme)
    {
        lock (_models)
        {
            if (!_models.TryGetValue(architecture, out var model))
            {
                model = QrtModel.Load(_checkpoints.For(architecture, scheme));
                _models[architecture] = model;
            }

            return model;
        }
    }

    private static float[] LastLogits(LoadedTextModel loaded, Qrt.Runtime.Models.Multimodal.IImagePrompt prompt)
    {
        using var sequence = loaded.Model.StartSequence();
        return sequence.Append(prompt.Encode(CancellationToken.None));
    }

    private static async Task<List<string>> ToListAsync(IAsyncEnumerable<ChatResponseUpdate> updates)
    {
        var texts = new List<string>();
        await foreach (var update in updates)
        {
            texts.Add(update.Text);
        }

        return texts;
    }
}
