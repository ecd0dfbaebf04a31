using Qrt.Runtime.Vision;
using Qrt.Runtime.Vision.Images;
using Qrt.Runtime.Vision.Preprocessing;
using Qrt.Runtime.Vision.Processing;
using static Qrt.Runtime.Tests.Vision.Preprocessing.PreprocessingInputs;

namespace Qrt.Runtime.Tests.Vision.Preprocessing;

/// <summary>Qwen2-VL's pipeline against its documented steps done by hand.</summary>
[TestFixture]
internal sealed class Qwen2VlImagePreprocessorTests
{
    private const string CheckpointConfig = """
        {"min_pixels": 3136, "max_pixels": 12845056, "patch_size": 14, "temporal_patch_size": 2, "merge_size": 2,
         "image_mean": [0.48145466, 0.4578275, 0.40821073], "image_std": [0.26862954, 0.26130258, 0.27577711],
         "image_processor_type": "Qwen2VLImageProcessor"}
        """;

    // 100x60, factor 28: round(60 / 28) = 2 → 56, round(100 / 28) = round(3.57) = 4 → 112; 6272 px is within
    // [3136, 12845056] → 112x56 → grid (1, 4, 8) = 32 patches → 8 tokens.
    [Test]
    public void Preprocess_ResizesNormalisesAndCutsPatchesAsTheStepsByHand()
    {
        var config = Config(CheckpointConfig);
        var picture = Picture(100, 60);

        var result = new Qwen2VlImagePreprocessor(config).Preprocess(picture);

        Assert.That((result.Size.Width, result.Size.Height), Is.EqualTo((112, 56)));
        Assert.That(result.Grid, Is.EqualTo(new Qwen2VlGrid(1, 4, 8)));
        Assert.That(result.TokenCount, Is.EqualTo(8));
        Assert.That(result.Patches.RowLength, Is.EqualTo(3 * 2 * 14 * 14));
        Assert.That(result.Patches.Values, Is.EqualTo(ExpectedPatches(Resized(picture, 112, 56), 14, config)));
    }

    // size.longest_edge 3000 (the newer spelling of max_pixels): 112x56 = 6272 > 3000 → beta = √(6000 / 3000)
    // = 1.4142; height floor(60 / 1.4142 / 28) = floor(1.52) = 1 → 28, width floor(100 / 1.4142 / 28) =
    // floor(2.53) = 2 → 56 → grid (1, 2, 4) → 2 tokens.
    [Test]
    public void Preprocess_TakesThePixelBoundsFromTheNewerSizeSpelling()
    {
        var config = Config("""{"size": {"shortest_edge": 784, "longest_edge": 3000}, "patch_size": 14, "merge_size": 2}""");
        var picture = Picture(100, 60, seed: 4);

        var result = new Qwen2VlImagePreprocessor(config).Preprocess(picture);

        Assert.That((result.Size.Width, result.Size.Height), Is.EqualTo((56, 28)));
        Assert.That(result.Grid, Is.EqualTo(new Qwen2VlGrid(1, 2, 4)));
        Assert.That(result.TokenCount, Is.EqualTo(2));
        Assert.That(result.Patches.Values, Is.EqualTo(ExpectedPatches(Resized(picture, 56, 28), 14, config)));
    }

    [Test]
    public void Constructor_PrefersMinAndMaxPixelsOverTheSizeKeys()
    {
        var config = Config("""{"size": {"shortest_edge": 784, "longest_edge": 3000}, "min_pixels": 1000, "max_pixels": 20000}""");

        var preprocessor = new Qwen2VlImagePreprocessor(config);

        Assert.That((preprocessor.MinPixels, preprocessor.MaxPixels), Is.EqualTo((1000, 20000)));
        Assert.That(preprocessor.TargetSize(100, 60), Is.EqualTo(new ImageDimensions(112, 56)));
    }

    [Test]
    public void Constructor_WithoutBounds_UsesTheClassDefaults()
    {
        var preprocessor = new Qwen2VlImagePreprocessor(Config("{}"));

        Assert.That((preprocessor.MinPixels, preprocessor.MaxPixels), Is.EqualTo((56 * 56, 28 * 28 * 1280)));
    }

    [Test]
    public void Preprocess_WithoutResize_CutsTheOriginal()
    {
        var config = Config(CheckpointConfig) with { DoResize = false };
        var picture = Picture(84, 56, seed: 5);

        var result = new Qwen2VlImagePreprocessor(config).Preprocess(picture);

        Assert.That(result.Grid, Is.EqualTo(new Qwen2VlGrid(1, 4, 6)));
        Assert.That(result.TokenCount, Is.EqualTo(6));
        Assert.That(result.Patches.Values, Is.EqualTo(ExpectedPatches(picture, 14, config)));
    }

    [Test]
    public void Preprocess_WithoutResize_RefusesSidesThatAreNotWholeMergeWindows()
    {
        var config = Config(CheckpointConfig) with { DoResize = false };

        var error = Assert.Throws<ArgumentException>(() => new Qwen2VlImagePreprocessor(config).Preprocess(Picture(100, 60)));

        Assert.That(error!.Message, Does.Contain("100x60"));
    }

    [TestCase(false, true)]
    [TestCase(true, false)]
    [TestCase(false, false)]
    public void Preprocess_SkipsTheRescaleAndNormaliseStepsWhoseFlagIsOff(bool rescale, bool normalize)
    {
        var config = Config(CheckpointConfig) with { DoRescale = rescale, DoNormalize = normalize };
        var picture = Picture(56, 56, seed: 6);

        var result = new Qwen2VlImagePreprocessor(config).Preprocess(picture);

        var firstByte = Pixel(picture, 0, 0, 0);
        var expected = (rescale, normalize) switch
        {
            (false, true) => (firstByte - 0.48145466f) / 0.26862954f,
            (true, false) => (float)(firstByte * (1.0 / 255.0)),
            _ => firstByte,
        };
        Assert.That(result.Patches.Values[0], Is.EqualTo(expected));
        Assert.That(result.Patches.Values, Is.EqualTo(ExpectedPatches(picture, 14, config)));
    }

    // The seed profiles' sizes give the counts pinned in SeedImageTokenCountTests.
    [TestCase(1680, 2240, 1680, 2240, 4800)]
    [TestCase(640, 480, 644, 476, 391)]
    [TestCase(480, 360, 476, 364, 221)]
    [TestCase(17, 33, 56, 84, 6)]
    public void Preprocess_SeedSizes_GiveThePinnedTokenCounts(int width, int height, int resizedWidth, int resizedHeight, int tokens)
    {
        var result = new Qwen2VlImagePreprocessor(Config(CheckpointConfig)).Preprocess(Picture(width, height));

        Assert.That((result.Size.Width, result.Size.Height), Is.EqualTo((resizedWidth, resizedHeight)));
        Assert.That(result.TokenCount, Is.EqualTo(tokens));
        Assert.That(result.Patches.Values, Has.Length.EqualTo(result.Grid.PatchCount * 3 * 2 * 14 * 14));
    }

    [Test]
    public void Constructor_RefusesAMergeSizeThatDisagreesWithTheTower()
    {
        var error = Assert.Throws<ArgumentException>(() => _ = new Qwen2VlImagePreprocessor(Config(CheckpointConfig), mergeSize: 3));

        Assert.That(error!.Message, Does.Contain("merge_size 2").And.Contain("is 3"));
    }

    [Test]
    public void Preprocess_UndecodableBytes_NameTheImage()
    {
        var preprocessor = new Qwen2VlImagePreprocessor(Config(CheckpointConfig));

        var error = Assert.Throws<ImageFormatException>(() => preprocessor.Preprocess([0x89, 0x50, 0x4E, 0x47, 1, 2, 3], "upload.png"));

        Assert.That(error!.Message, Does.StartWith("upload.png:"));
    }

    /// <summary>
    /// Patch rows by the formula: with w = columns / 2, patch k lies in merge window k / 4 (window row
    /// (k / 4) / w, window column (k / 4) % w) at offset (k % 4) / 2 down and (k % 4) % 2 across; its value
    /// (channel, copy, y, x) sits at channel · 2p² + copy · p² + y · p + x, both copies holding the same pixel.
    /// </summary>
    private static float[] ExpectedPatches(RgbImage image, int p, PreprocessorConfig config)
    {
        var columns = image.Width / p;
        var count = (image.Height / p) * columns;
        var rowLength = 3 * 2 * p * p;
        var values = new float[count * rowLength];
        for (var k = 0; k < count; k++)
        {
            var window = k / 4;
            var patchRow = (2 * (window / (columns / 2))) + ((k % 4) / 2);
            var patchColumn = (2 * (window % (columns / 2))) + (k % 2);
            for (var channel = 0; channel < 3; channel++)
            {
                for (var copy = 0; copy < 2; copy++)
                {
                    for (var y = 0; y < p; y++)
                    {
                        for (var x = 0; x < p; x++)
                        {
                            var at = (k * rowLength) + (channel * 2 * p * p) + (copy * p * p) + (y * p) + x;
                            values[at] = Normalised(Pixel(image, (patchColumn * p) + x, (patchRow * p) + y, channel), channel, config);
                        }
                    }
                }
            }
        }

        return values;
    }
}
