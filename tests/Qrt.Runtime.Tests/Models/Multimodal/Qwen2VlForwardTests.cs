using Qrt.Runtime.Models;
using Qrt.Runtime.Synthesis;
using Qrt.Runtime.Tests.Models.Forward;
using Qrt.Runtime.Tests.Vision.Preprocessing;
using Qrt.Runtime.Vision;

namespace Qrt.Runtime.Tests.Models.Multimodal;

/// <summary>
/// Qwen2-VL end to end on tiny checkpoints: the runtime's logits for a prompt with two images of different odd sizes
/// against a double-precision pipeline written from the reference's formulas — <see cref="NaiveQwen2VlImages"/> for
/// the tower and merger, the features put at the &lt;|image_pad|&gt; tokens, M-RoPE positions from
/// <see cref="ReferenceImageTokens.Qwen2VlRopeIndex"/>, and <see cref="NaiveDecoder"/> with M-RoPE.
/// </summary>
[TestFixture]
internal sealed class Qwen2VlForwardTests
{
    private VisionLanguageCheckpoints _checkpoints = null!;

    [OneTimeSetUp]
    public void WriteCheckpoints() => _checkpoints = new VisionLanguageCheckpoints();

    [OneTimeTearDown]
    public void DeleteCheckpoints() => _checkpoints.Dispose();

    /// <summary>37 × 50 and 64 × 48 pixels (width × height): sides that are not multiples of the 28-pixel merge window.</summary>
    private static RgbImage[] Images(int secondSeed = 6) => [PreprocessingInputs.Picture(37, 50, seed: 5), PreprocessingInputs.Picture(64, 48, seed: secondSeed)];

    [Test]
    public void ImageTokens_OfTwoOddSizedImages_AreThoseOfTheReferenceProcessor()
    {
        using var loaded = Load(SyntheticScheme.Bf16);
        var naive = NaiveQwen2VlImages.Load(loaded.Directory);
        var images = Images();

        using var run = new ImagePromptRun(loaded, Prompt(loaded), images);

        // 50 × 37 (h × w) rounds to 56 × 28 = 1568 < min_pixels 3136, so β = √(3136 / 1850) ≈ 1.302 and the sides are
        // ceil(65.1 / 28) · 28 = 84 and ceil(48.2 / 28) · 28 = 56: 6 × 4 patches. 48 × 64 rounds to 56 × 56 = 3136: 4 × 4.
        var grids = images.Select(naive.Grid).ToArray();
        Assert.That(grids, Is.EqualTo(new[] { (1, 6, 4), (1, 4, 4) }));
        var expected = ReferenceImageTokens.Qwen2VlExpand(Prompt(loaded), grids, Pad(loaded), naive.Merge);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(run.Tokens, Is.EqualTo(expected));
            Assert.That(run.Tokens.Count(id => id == Pad(loaded)), Is.EqualTo((6 * 4 / 4) + (4 * 4 / 4)), "t · h · w / 4 pads per image");
        }
    }

    [Test]
    public void Prefill_WithTwoImages_MatchesTheNaivePipeline()
    {
        using var loaded = Load(SyntheticScheme.Bf16);
        var images = Images();
        using var run = new ImagePromptRun(loaded, Prompt(loaded), images);
        var (positions, _) = RopeIndex(loaded, run.Tokens, images);

        var expected = NaiveDecoder.Load(loaded.Directory).Run(run.Tokens, Placed(loaded, run.Tokens, images), positions).Logits[^1];

        LogitComparison.AssertClose(run.PrefillLogits, expected, LogitComparison.ReferenceBound, "qwen2-vl prefill with two images");
    }

    [Test]
    public void Decode_AfterTheImagePrompt_ContinuesAtTheLargestPositionPlusOne()
    {
        using var loaded = Load(SyntheticScheme.Bf16);
        var images = Images();
        using var run = new ImagePromptRun(loaded, Prompt(loaded), images);
        int[] tokens = [.. run.Tokens, .. Continuation(loaded)];
        var (positions, delta) = RopeIndex(loaded, tokens, images);

        var expected = NaiveDecoder.Load(loaded.Directory).Run(tokens, Placed(loaded, tokens, images), positions).Logits;

        // Image 1's 6 pads span 3 positions (3 merged rows) and image 2's 4 span 2: the text after them runs 3 + 2 behind its index.
        Assert.That(delta, Is.EqualTo(-(6 - 3) - (4 - 2)));
        LogitComparison.AssertClose(run.PrefillLogits, expected[run.Tokens.Length - 1], LogitComparison.ReferenceBound, "qwen2-vl prefill");
        for (var position = run.Tokens.Length; position < tokens.Length; position++)
        {
            Assert.That(positions.Select(axis => axis[position]), Is.All.EqualTo(position + delta), "decode positions are the index plus the rope delta on every axis");
            var actual = run.Step(tokens[position]);
            Assert.That(run.Length, Is.EqualTo(position + 1));
            LogitComparison.AssertClose(actual, expected[position], LogitComparison.ReferenceBound, $"qwen2-vl decode at position {position}");
        }
    }

    [Test]
    public void WrongPositions_MoveTheNaiveLogitsFarBeyondTheBound()
    {
        // The comparisons above are only as sharp as a position mistake is visible: sequential 1-D positions for the
        // image prompt, and decode steps at their index (rope delta 0), must each move the logits far beyond the bound.
        using var loaded = Load(SyntheticScheme.Bf16);
        var images = Images();
        using var run = new ImagePromptRun(loaded, Prompt(loaded), images);
        int[] tokens = [.. run.Tokens, .. Continuation(loaded)];
        var (positions, delta) = RopeIndex(loaded, tokens, images);
        var naive = NaiveDecoder.Load(loaded.Directory);
        var placed = Placed(loaded, tokens, images);
        var prompt = run.Tokens.Length;
        var noDelta = positions.Select(axis => axis.Select((value, i) => i < prompt ? value : value - delta).ToArray()).ToArray();

        var right = naive.Run(tokens, placed, positions).Logits;
        var sequential = naive.Run(tokens, placed, null).Logits;
        var undelayed = naive.Run(tokens, placed, noDelta).Logits;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(LogitComparison.Moved(sequential[prompt - 1], right[prompt - 1], "1-D positions"), Is.GreaterThan(50 * LogitComparison.ReferenceBound));
            Assert.That(LogitComparison.Moved(undelayed[^1], right[^1], "decode without the rope delta"), Is.GreaterThan(50 * LogitComparison.ReferenceBound));
        }
    }

    [Test]
    public void W4A16ActOrder_Runs_AndTheSecondImageChangesTheLogits()
    {
        // The naive decoder does not dequantize; this checks the quantized path runs and reads the image.
        using var loaded = Load(SyntheticScheme.W4A16ActOrder);
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
        TextModelLoader.Load(_checkpoints.For(SyntheticArchitecture.Qwen2Vl, scheme), Device.Cpu, null, null, CancellationToken.None);

    /// <summary>A raw prompt with the model's image placeholder (&lt;|vision_start|&gt;&lt;|image_pad|&gt;&lt;|vision_end|&gt;) written twice.</summary>
    private static int[] Prompt(LoadedTextModel loaded) =>
        loaded.Tokenizer.Encode($"Compare {loaded.Images!.Placeholder} with {loaded.Images.Placeholder}: which is brighter?", addSpecialTokens: false);

    private static int[] Continuation(LoadedTextModel loaded) => [.. loaded.Tokenizer.Encode(" The left one is.", addSpecialTokens: false).Take(5)];

    private static int Pad(LoadedTextModel loaded) => loaded.Tokenizer.TokenToId("<|image_pad|>")!.Value;

    private static (int[][] Positions, int Delta) RopeIndex(LoadedTextModel loaded, int[] tokens, RgbImage[] images)
    {
        var naive = NaiveQwen2VlImages.Load(loaded.Directory);
        return ReferenceImageTokens.Qwen2VlRopeIndex(tokens, [.. images.Select(naive.Grid)], Pad(loaded), naive.Merge);
    }

    /// <summary>The naive merged rows keyed by the positions of the pads in <paramref name="tokens"/>, in order.</summary>
    private static Dictionary<int, double[]> Placed(LoadedTextModel loaded, int[] tokens, RgbImage[] images)
    {
        var features = NaiveQwen2VlImages.Load(loaded.Directory).Features(images);
        var pad = Pad(loaded);
        var positions = Enumerable.Range(0, tokens.Length).Where(i => tokens[i] == pad).ToArray();
        Assert.That(positions, Has.Length.EqualTo(features.Length), "one merged row per <|image_pad|>");
        return positions.Select((position, row) => (position, row)).ToDictionary(pair => pair.position, pair => features[pair.row]);
    }
}
