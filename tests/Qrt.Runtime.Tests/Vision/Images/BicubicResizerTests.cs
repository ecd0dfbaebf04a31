using Qrt.Runtime.Vision;
using Qrt.Runtime.Vision.Images;

namespace Qrt.Runtime.Tests.Vision.Images;

/// <summary>
/// Bicubic resizing against values worked out by hand for tiny sizes, and the properties every resize must keep.
/// Equality with Pillow's own output is <see cref="PillowResizeGoldenTests" />.
/// </summary>
[TestFixture]
internal sealed class BicubicResizerTests
{
    [Test]
    public void Resize_FourToTwoColumns_MatchesHandComputedWeights()
    {
        // Shrinking by 2 stretches the kernel to support 4. Output 0 is centred at 1.0 and reads sources 0..3 at
        // kernel positions −0.25, 0.25, 0.75, 1.25: K = 0.8671875, 0.8671875, 0.2265625, −0.0703125 (×128: 111, 111,
        // 29, −9, sum 242). In 22-bit fixed point: 1923834, 1923834, 502623, −155987.
        // Output 0 = (2^21 + 10·1923834 + 50·1923834 + 200·502623 − 255·155987) >> 22 = 42 (10165/242 = 42.004).
        // Output 1 mirrors the weights: (−9·10 + 29·50 + 111·200 + 111·255)/242 = 214.3 → 214.
        byte[] row = [10, 10, 10, 50, 50, 50, 200, 200, 200, 255, 255, 255];

        var resized = BicubicResizer.Resize(new RgbImage(4, 1, row), 2, 1);

        Assert.That(resized.Pixels, Is.EqualTo(new byte[] { 42, 42, 42, 214, 214, 214 }));
    }

    [Test]
    public void Resize_FourToTwoColumns_KeepsChannelsApart()
    {
        // Same weights per channel: [0, 0, 255, 255] gives 21 then 234, and its mirror 234 then 21.
        byte[] row = [0, 255, 7, 0, 255, 7, 255, 0, 7, 255, 0, 7];

        var resized = BicubicResizer.Resize(new RgbImage(4, 1, row), 2, 1);

        Assert.That(resized.Pixels, Is.EqualTo(new byte[] { 21, 234, 7, 234, 21, 7 }));
    }

    [Test]
    public void Resize_OnePixelToThreeByThree_RepeatsThePixel()
    {
        // Upscaling a single pixel: every window clamps to that one source, whose weight normalises to exactly 1.
        var resized = BicubicResizer.Resize(new RgbImage(1, 1, [17, 99, 230]), 3, 3);

        Assert.That(resized.Pixels, Is.EqualTo(Enumerable.Range(0, 9).SelectMany(_ => new byte[] { 17, 99, 230 }).ToArray()));
    }

    [Test]
    public void Resize_SameSize_ReturnsACopyOfThePixels()
    {
        var pixels = RandomPixels(5, 3, seed: 1);
        var image = new RgbImage(5, 3, pixels);

        var resized = BicubicResizer.Resize(image, 5, 3);

        Assert.That(resized.Pixels, Is.EqualTo(pixels));
        Assert.That(resized.Pixels, Is.Not.SameAs(pixels));
    }

    [Test]
    public void Resize_FlatImage_StaysFlat()
    {
        var flat = Enumerable.Range(0, 7 * 5).SelectMany(_ => new byte[] { 12, 200, 255 }).ToArray();

        var resized = BicubicResizer.Resize(new RgbImage(7, 5, flat), 16, 3);

        Assert.That(resized.Pixels, Is.EqualTo(Enumerable.Range(0, 16 * 3).SelectMany(_ => new byte[] { 12, 200, 255 }).ToArray()));
    }

    [TestCase(481, 359, 476, 336, true)] // the height loses 23 rows, the width 5 columns
    [TestCase(481, 359, 1000, 333, true)] // a growing width never holds the vertical pass back
    [TestCase(481, 359, 479, 354, true)] // 5 rows against 2 columns: more than twice
    [TestCase(481, 359, 479, 355, false)] // 4 rows against 2 columns: exactly twice is not enough
    [TestCase(481, 359, 480, 358, false)]
    [TestCase(481, 359, 37, 50, false)]
    [TestCase(481, 359, 640, 480, false)] // a growing height always goes second
    [TestCase(481, 359, 962, 364, false)]
    public void VerticalPassFirst_FollowsPillowsRule(int sourceWidth, int sourceHeight, int width, int height, bool expected)
    {
        Assert.That(BicubicResizer.VerticalPassFirst(sourceWidth, sourceHeight, width, height), Is.EqualTo(expected));
    }

    [Test]
    public void Resize_HardEdgeUpscale_ClipsTheOvershoot()
    {
        // A black/white step upscaled overshoots both ways; Pillow clips to 0 and 255. Without the clamp the
        // undershoot would wrap to values near 255 on the black side and the row would no longer rise monotonically.
        byte[] step = [0, 0, 0, 0, 0, 0, 255, 255, 255, 255, 255, 255];
        var resized = BicubicResizer.Resize(new RgbImage(4, 1, step), 13, 1);

        var reds = Enumerable.Range(0, 13).Select(x => resized.Pixels[3 * x]).ToArray();
        Assert.That(reds, Is.Ordered.Ascending);
        Assert.That(reds, Does.Contain((byte)0).And.Contain((byte)255));
    }

    private static byte[] RandomPixels(int width, int height, int seed)
    {
        var pixels = new byte[3 * width * height];
        new Random(seed).NextBytes(pixels);
        return pixels;
    }
}
