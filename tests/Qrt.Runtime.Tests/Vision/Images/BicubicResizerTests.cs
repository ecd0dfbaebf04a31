using Qrt.Runtime.Vision;
using Qrt.Runtime.Vision.Images;

namespace Qrt.Runtime.Tests.Vision.Images;

/// <summary>
/// Bicubic resizing against values worked out by hand for tiny sizes and against <see cref="PillowResizeReference" />,
/// a direct restatement of Pillow's algorithm. A comparison with PIL's own output needs Python with Pillow, which
/// only the GPU machine has; that golden comparison belongs with the preprocessing goldens in tests/goldens.
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

    [TestCase(5, 3, 2, 2)]
    [TestCase(4, 4, 9, 7)]
    [TestCase(13, 11, 5, 17)]
    [TestCase(31, 7, 31, 3)]
    [TestCase(7, 31, 3, 31)]
    [TestCase(64, 48, 28, 28)]
    [TestCase(100, 37, 48, 80)]
    [TestCase(3, 200, 1, 1)]
    public void Resize_MatchesTheReference(int width, int height, int newWidth, int newHeight)
    {
        var pixels = RandomPixels(width, height, seed: width * 1000 + height);

        var resized = BicubicResizer.Resize(new RgbImage(width, height, pixels), newWidth, newHeight);

        Assert.That((resized.Width, resized.Height), Is.EqualTo((newWidth, newHeight)));
        Assert.That(resized.Pixels, Is.EqualTo(PillowResizeReference.Resize(pixels, width, height, newWidth, newHeight)));
    }

    [Test]
    public void Resize_HardEdgeUpscale_ClipsTheOvershoot()
    {
        // A black/white step upscaled overshoots both ways; Pillow clips to 0 and 255.
        byte[] step = [0, 0, 0, 0, 0, 0, 255, 255, 255, 255, 255, 255];
        var resized = BicubicResizer.Resize(new RgbImage(4, 1, step), 13, 1);

        Assert.That(resized.Pixels, Is.EqualTo(PillowResizeReference.Resize(step, 4, 1, 13, 1)));
        Assert.That(resized.Pixels, Does.Contain((byte)0).And.Contain((byte)255));
    }

    private static byte[] RandomPixels(int width, int height, int seed)
    {
        var pixels = new byte[3 * width * height];
        new Random(seed).NextBytes(pixels);
        return pixels;
    }
}
