using Qrt.Runtime.Models;
using Qrt.Runtime.Synthesis;
using Qrt.Runtime.Tests.Models.Forward;
using Qrt.Runtime.Tests.Vision.Preprocessing;
using Qrt.Runtime.Vision;

namespace Qrt.Runtime.Tests.Models.Multimodal;

/// <summary>
/// Pixtral (LlavaForConditionalGeneration) end to end on tiny checkpoints: the runtime's logits for a prompt with
/// two images of different odd sizes against a double-precision pipeline written from the reference's formulas —
/// <see cref="NaivePixtralImages"/> for the tower and projector, the features put at the [IMG] tokens, and
/// <see cref="NaiveDecoder"/> over the checkpoint's language_model.* tensors.
/// </summary>
[TestFixture]
internal sealed class PixtralForwardTests
{
    private VisionLanguageCheckpoints _checkpoints = null!;

    [OneTimeSetUp]
    public void WriteCheckpoints() => _checkpoints = new VisionLanguageCheckpoints();

    [OneTimeTearDown]
    public void DeleteCheckpoints() => _checkpoints.Dispose();

    /// <summary>37 × 50 and 64 × 48 pixels (width × height): sides that are not multiples of the 16-pixel patch.</summary>
    private static RgbImage[] Images(int secondSeed = 4) => [PreprocessingInputs.Picture(37, 50, seed: 3), PreprocessingInputs.Picture(64, 48, seed: secondSeed)];

    [Test]
    public void ImageTokens_OfTwoOddSizedImages_AreThoseOfTheReferenceProcessor()
    {
        using var loaded = Load(SyntheticScheme.Bf16);
        var naive = NaivePixtralImages.Load(loaded.Directory);
        var ids = Ids(loaded);
        var images = Images();

        using var run = new ImagePromptRun(loaded, Prompt(loaded), images);

        // Within the 1024 longest edge nothing is scaled down; sides round up to patches: 37 → 3, 50 → 4, 64 → 4, 48 → 3.
        var grids = images.Select(naive.Grid).ToArray();
        Assert.That(grids, Is.EqualTo(new[] { (4, 3), (3, 4) }));
        var expected = ReferenceImageTokens.PixtralExpand(Prompt(loaded), grids, ids.Image, ids.Break, ids.End);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(run.Tokens, Is.EqualTo(expected));
            Assert.That(run.Tokens.Length - Prompt(loaded).Length, Is.EqualTo((4 * (3 + 1)) + (3 * (4 + 1)) - 2), "rows · (cols + 1) per image, less the two placeholders");
            Assert.That(run.Tokens.Count(id => id == ids.Image), Is.EqualTo((4 * 3) + (3 * 4)), "one [IMG] per patch");
        }
    }

    [Test]
    public void Prefill_WithTwoImages_MatchesTheNaivePipeline()
    {
        using var loaded = Load(SyntheticScheme.Bf16);
        var images = Images();
        using var run = new ImagePromptRun(loaded, Prompt(loaded), images);

        var expected = NaiveDecoder.Load(loaded.Directory).Run(run.Tokens, Placed(loaded, run.Tokens, images), null).Logits[^1];

        LogitComparison.AssertClose(run.PrefillLogits, expected, LogitComparison.ReferenceBound, "pixtral prefill with two images");
    }

    [Test]
    public void Decode_AfterTheImagePrompt_EachStepMatchesTheNaiveDecoder()
    {
        using var loaded = Load(SyntheticScheme.Bf16);
        var images = Images();
        using var run = new ImagePromptRun(loaded, Prompt(loaded), images);
        var continuation = Continuation(loaded);
        int[] tokens = [.. run.Tokens, .. continuation];

        var expected = NaiveDecoder.Load(loaded.Directory).Run(tokens, Placed(loaded, tokens, images), null).Logits;

        LogitComparison.AssertClose(run.PrefillLogits, expected[run.Tokens.Length - 1], LogitComparison.ReferenceBound, "pixtral prefill");
        for (var position = run.Tokens.Length; position < tokens.Length; position++)
        {
            var actual = run.Step(tokens[position]);
            Assert.That(run.Length, Is.EqualTo(position + 1));
            LogitComparison.AssertClose(actual, expected[position], LogitComparison.ReferenceBound, $"pixtral decode at position {position}");
        }
    }

    [Test]
    public void FeaturesOneTokenLate_MoveTheNaiveLogitsFarBeyondTheBound()
    {
        // The comparison above is only as sharp as a misplaced image is visible: shifting every feature row one
        // token later (the last one onto the [IMG_BREAK] or [IMG_END] after it) must move the logits far more than the bound.
        using var loaded = Load(SyntheticScheme.Bf16);
        var images = Images();
        using var run = new ImagePromptRun(loaded, Prompt(loaded), images);
        var naive = NaiveDecoder.Load(loaded.Directory);
        var placed = Placed(loaded, run.Tokens, images);

        var right = naive.Run(run.Tokens, placed, null).Logits[^1];
        var shifted = naive.Run(run.Tokens, placed.ToDictionary(pair => pair.Key + 1, pair => pair.Value), null).Logits[^1];
        var withoutImages = naive.Run(run.Tokens).Logits[^1];

        using (Assert.EnterMultipleScope())
        {
            Assert.That(LogitComparison.Moved(shifted, right, "features one token late"), Is.GreaterThan(50 * LogitComparison.ReferenceBound));
            Assert.That(LogitComparison.Moved(withoutImages, right, "no features"), Is.GreaterThan(50 * LogitComparison.ReferenceBound));
        }
    }

    [Test]
    public void W8A8Int8_Runs_AndTheSecondImageChangesTheLogits()
    {
        // The naive decoder cannot reproduce W8A8's dynamic activation quantization, so this checks the path runs
        // and reads the image: finite logits, identical for the same inputs, and different when only image 2 changes.
        using var loaded = Load(SyntheticScheme.W8A8Int8);
        using var first = new ImagePromptRun(loaded, Prompt(loaded), Images());
        using var again = new ImagePromptRun(loaded, Prompt(loaded), Images());
        using var other = new ImagePromptRun(loaded, Prompt(loaded), Images(secondSeed: 9));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(first.PrefillLogits, Has.Length.EqualTo(ModelDimensions.MinimumVocabSize));
            Assert.That(first.PrefillLogits.All(float.IsFinite), Is.True);
            Assert.That(again.PrefillLogits, Is.EqualTo(first.PrefillLogits));
            Assert.That(other.Tokens, Is.EqualTo(first.Tokens), "the same sizes give the same tokens");
            Assert.That(LogitComparison.Moved([.. other.PrefillLogits.Select(value => (double)value)], [.. first.PrefillLogits.Select(value => (double)value)], "second image changed"), Is.GreaterThan(1e-3));
            Assert.That(first.Step(Continuation(loaded)[0]).All(float.IsFinite), Is.True);
        }
    }

    private LoadedTextModel Load(SyntheticScheme scheme) =>
        TextModelLoader.Load(_checkpoints.For(SyntheticArchitecture.Pixtral, scheme), Device.Cpu, null, null, CancellationToken.None);

    /// <summary>A raw prompt with the model's image placeholder written twice, as the chat template writes image parts.</summary>
    private static int[] Prompt(LoadedTextModel loaded) =>
        loaded.Tokenizer.Encode($"Compare {loaded.Images!.Placeholder} with {loaded.Images.Placeholder}: which is brighter?", addSpecialTokens: false);

    private static int[] Continuation(LoadedTextModel loaded) => [.. loaded.Tokenizer.Encode(" The left one is.", addSpecialTokens: false).Take(5)];

    private static (int Image, int Break, int End) Ids(LoadedTextModel loaded) =>
        (loaded.Tokenizer.TokenToId("[IMG]")!.Value, loaded.Tokenizer.TokenToId("[IMG_BREAK]")!.Value, loaded.Tokenizer.TokenToId("[IMG_END]")!.Value);

    /// <summary>The naive feature rows keyed by the positions of the [IMG] tokens in <paramref name="tokens"/>, in order.</summary>
    private static Dictionary<int, double[]> Placed(LoadedTextModel loaded, int[] tokens, RgbImage[] images)
    {
        var features = NaivePixtralImages.Load(loaded.Directory).Features(images);
        var image = Ids(loaded).Image;
        var positions = Enumerable.Range(0, tokens.Length).Where(i => tokens[i] == image).ToArray();
        Assert.That(positions, Has.Length.EqualTo(features.Length), "one feature row per [IMG] token");
        return positions.Select((position, row) => (position, row)).ToDictionary(pair => pair.position, pair => features[pair.row]);
    }
}
