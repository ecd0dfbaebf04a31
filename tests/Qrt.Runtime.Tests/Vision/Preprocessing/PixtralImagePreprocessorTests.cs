using Qrt.Runtime.Vision;
using Qrt.Runtime.Vision.Images;
using Qrt.Runtime.Vision.Preprocessing;
using static Qrt.Runtime.Tests.Vision.Preprocessing.PreprocessingInputs;

namespace Qrt.Runtime.Tests.Vision.Preprocessing;

/// <summary>Pixtral's pipeline against its documented steps done by hand.</summary>
[TestFixture]
internal sealed class PixtralImagePreprocessorTests
{
    private const string SmallConfig = """
        {"image_mean": [0.5, 0.25, 0.125], "image_std": [0.2, 0.3, 0.4], "patch_size": {"height": 8, "width": 8},
         "size": {"longest_edge": 32}, "image_processor_type": "PixtralImageProcessor"}
        """;

    // 70x45, longest edge 32: ratio = 70 / 32 = 2.1875 → width floor(70 / 2.1875) = 32, height floor(45 / 2.1875)
    // = floor(20.57) = 20 → whole 8-pixel patches: 32 x 24 → 3 patch rows of 4 → 3 · (4 + 1) = 15 tokens.
    [Test]
    public void Preprocess_ResizesNormalisesAndCutsPatchesAsTheStepsByHand()
    {
        var config = Config(SmallConfig);
        var picture = Picture(70, 45);

        var result = new PixtralImagePreprocessor(config, patchSize: 8).Preprocess(picture);

        Assert.That((result.Size.Width, result.Size.Height), Is.EqualTo((32, 24)));
        Assert.That((result.Grid.Rows, result.Grid.Columns), Is.EqualTo((3, 4)));
        Assert.That(result.TokenCount, Is.EqualTo(15));
        Assert.That(result.Patches.RowLength, Is.EqualTo(3 * 8 * 8));
        Assert.That(result.Patches.Values, Is.EqualTo(ExpectedPatches(Resized(picture, 32, 24), 8, config)));
    }

    [Test]
    public void Preprocess_WithoutResize_CutsTheOriginalAndDropsPartialPatches()
    {
        var config = Config(SmallConfig) with { DoResize = false };
        var picture = Picture(43, 26, seed: 2);

        var result = new PixtralImagePreprocessor(config, patchSize: 8).Preprocess(picture);

        // floor(26 / 8) = 3 rows, floor(43 / 8) = 5 columns; the last 3 columns and 2 rows of pixels are unused.
        Assert.That((result.Grid.Rows, result.Grid.Columns), Is.EqualTo((3, 5)));
        Assert.That(result.TokenCount, Is.EqualTo(3 * 6));
        Assert.That((result.Size.Width, result.Size.Height), Is.EqualTo((43, 26)));
        Assert.That(result.Patches.Values, Is.EqualTo(ExpectedPatches(picture, 8, config)));
    }

    [TestCase(false, true)]
    [TestCase(true, false)]
    [TestCase(false, false)]
    public void Preprocess_SkipsTheRescaleAndNormaliseStepsWhoseFlagIsOff(bool rescale, bool normalize)
    {
        var config = Config(SmallConfig) with { DoRescale = rescale, DoNormalize = normalize };
        var picture = Picture(16, 16, seed: 3);

        var result = new PixtralImagePreprocessor(config, patchSize: 8).Preprocess(picture);

        // 16x16 is within the longest edge and whole patches already: the resize keeps every pixel.
        var first = result.Patches.Values[0];
        var firstByte = Pixel(picture, 0, 0, 0);
        var expected = (rescale, normalize) switch
        {
            (false, true) => (firstByte - 0.5f) / 0.2f,
            (true, false) => (float)(firstByte * (1.0 / 255.0)),
            _ => firstByte,
        };
        Assert.That(first, Is.EqualTo(expected));
        Assert.That(result.Patches.Values, Is.EqualTo(ExpectedPatches(picture, 8, config)));
    }

    // The seed profiles' sizes give the counts pinned in SeedImageTokenCountTests (longest edge 1024, patch 16).
    [TestCase(1680, 2240, 768, 1024, 3136)]
    [TestCase(640, 480, 640, 480, 1230)]
    [TestCase(480, 360, 480, 368, 713)]
    [TestCase(17, 33, 32, 48, 9)]
    public void Preprocess_SeedSizes_GiveThePinnedTokenCounts(int width, int height, int resizedWidth, int resizedHeight, int tokens)
    {
        var config = Config("""{"patch_size": {"height": 16, "width": 16}, "size": {"longest_edge": 1024}}""");

        var result = new PixtralImagePreprocessor(config, patchSize: 16).Preprocess(Picture(width, height));

        Assert.That((result.Size.Width, result.Size.Height), Is.EqualTo((resizedWidth, resizedHeight)));
        Assert.That(result.TokenCount, Is.EqualTo(tokens));
        Assert.That(result.Patches.Values, Has.Length.EqualTo(result.Grid.Count * 3 * 16 * 16));
    }

    [Test]
    public void Preprocess_WithoutLongestEdge_UsesTheClassDefault1024()
    {
        var preprocessor = new PixtralImagePreprocessor(Config("{}"), patchSize: 16);

        // 2048x1000 → ratio 2 → 1024x500 → 500 rounds up to 512.
        Assert.That(preprocessor.TargetSize(2048, 1000), Is.EqualTo(new Qrt.Runtime.Vision.Processing.ImageDimensions(1024, 512)));
    }

    [Test]
    public void Constructor_RefusesAPatchSizeThatDisagreesWithTheTower()
    {
        var error = Assert.Throws<ArgumentException>(() => _ = new PixtralImagePreprocessor(Config(SmallConfig), patchSize: 16));

        Assert.That(error!.Message, Does.Contain("preprocessor_config.json").And.Contain("8x8").And.Contain("16x16"));
    }

    [Test]
    public void Preprocess_UnreadableFile_NamesTheFile()
    {
        var path = Path.Combine(Path.GetTempPath(), $"qrt-not-an-image-{Guid.NewGuid():N}.png");
        File.WriteAllBytes(path, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        try
        {
            var preprocessor = new PixtralImagePreprocessor(Config(SmallConfig), patchSize: 8);

            var error = Assert.Throws<ImageFormatException>(() => preprocessor.Preprocess(path));

            Assert.That(error!.Message, Does.Contain(path));
            Assert.That(error.ImageName, Is.EqualTo(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void Preprocess_MissingFile_NamesTheFile()
    {
        var path = Path.Combine(Path.GetTempPath(), $"qrt-missing-{Guid.NewGuid():N}.png");
        var preprocessor = new PixtralImagePreprocessor(Config(SmallConfig), patchSize: 8);

        var error = Assert.Throws<ImageFormatException>(() => preprocessor.Preprocess(path));

        Assert.That(error!.Message, Does.Contain(path).And.Contain("does not exist"));
    }

    /// <summary>
    /// Patch rows by the formula: patch (r, c) is row r · columns + c, and its value (channel, y, x) sits at
    /// channel · p² + y · p + x and comes from pixel (c · p + x, r · p + y) normalised.
    /// </summary>
    private static float[] ExpectedPatches(RgbImage image, int p, PreprocessorConfig config)
    {
        var rows = image.Height / p;
        var columns = image.Width / p;
        var values = new float[rows * columns * 3 * p * p];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++)
            {
                for (var channel = 0; channel < 3; channel++)
                {
                    for (var y = 0; y < p; y++)
                    {
                        for (var x = 0; x < p; x++)
                        {
                            var at = ((((r * columns) + c) * 3 * p * p) + (channel * p * p)) + (y * p) + x;
                            values[at] = Normalised(Pixel(image, (c * p) + x, (r * p) + y, channel), channel, config);
                        }
                    }
                }
            }
        }

        return values;
    }
}
