using Qrt.Runtime.Vision;
using Qrt.Runtime.Vision.Images;

namespace Qrt.Runtime.Tests.Vision.Images;

/// <summary>Rescale and normalise against the formula, in the precision transformers' NumPy path uses.</summary>
[TestFixture]
internal sealed class ImageNormalizerTests
{
    private static PreprocessorConfig Config(bool rescale = true, bool normalize = true) => new(
        PreprocessorConfig.ClipMean, PreprocessorConfig.ClipStd, 1.0 / 255.0, true, true, rescale, normalize,
        PreprocessorConfig.Bicubic, 1024, null, 16, 16, null, null, null, null, null);

    [Test]
    public void Normalize_IsRescaleThenMeanStdPerChannel_ChannelsFirst()
    {
        // 2x1 image: pixel 0 = (0, 128, 255), pixel 1 = (255, 1, 77).
        var image = new RgbImage(2, 1, [0, 128, 255, 255, 1, 77]);

        var normalized = ImageNormalizer.Normalize(image, Config());

        Assert.That((normalized.Width, normalized.Height), Is.EqualTo((2, 1)));
        byte[][] channels = [[0, 255], [128, 1], [255, 77]];
        var expected = new float[6];
        for (var c = 0; c < 3; c++)
        {
            for (var x = 0; x < 2; x++)
            {
                // float64 product cast to float32, then float32 subtraction and division.
                var rescaled = (float)(channels[c][x] * (1.0 / 255.0));
                expected[(c * 2) + x] = (rescaled - (float)PreprocessorConfig.ClipMean[c]) / (float)PreprocessorConfig.ClipStd[c];
            }
        }

        Assert.That(normalized.Values, Is.EqualTo(expected));
        // And the plain formula to float precision: 0 in R → −0.48145466 / 0.26862954.
        Assert.That(normalized.Values[0], Is.EqualTo(-0.48145466 / 0.26862954).Within(1e-6));
        Assert.That(normalized.Values[5], Is.EqualTo(((77 / 255.0) - 0.40821073) / 0.27577711).Within(1e-6));
    }

    [Test]
    public void Normalize_WithoutRescaleOrNormalize_SkipsThoseSteps()
    {
        var image = new RgbImage(1, 1, [10, 20, 30]);

        Assert.That(ImageNormalizer.Normalize(image, Config(rescale: false, normalize: false)).Values, Is.EqualTo(new float[] { 10, 20, 30 }));
        Assert.That(ImageNormalizer.Normalize(image, Config(normalize: false)).Values,
            Is.EqualTo(new[] { (float)(10 / 255.0), (float)(20 / 255.0), (float)(30 / 255.0) }));
        Assert.That(ImageNormalizer.Normalize(image, Config(rescale: false)).Values[0],
            Is.EqualTo((10f - 0.48145466f) / 0.26862954f));
    }
}
