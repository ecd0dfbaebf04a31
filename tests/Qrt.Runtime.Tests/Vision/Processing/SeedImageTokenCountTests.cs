using Qrt.Runtime.Vision.Processing;

namespace Qrt.Runtime.Tests.Vision.Processing;

/// <summary>
/// Image-token counts of the seed profiles' image sizes (document VQA 1680x2240, visual reasoning 640x480,
/// captioning 480x360) and an odd size, as the reference processors give them, worked by hand below.
/// </summary>
[TestFixture]
internal sealed class SeedImageTokenCountTests
{
    // Pixtral (longest_edge 1024, patch 16); tokens = rows · (columns + 1).
    //   1680x2240: ratio 2240/1024 = 2.1875 → 768x1024 → 48 columns, 64 rows → 64 · 49 = 3136
    //   640x480:   no scaling → 40 columns, 30 rows → 30 · 41 = 1230
    //   480x360:   no scaling; 360 → 368 → 30 columns, 23 rows → 23 · 31 = 713
    //   17x33:     17 → 32, 33 → 48 → 2 columns, 3 rows → 3 · 3 = 9
    [TestCase(1680, 2240, 3136)]
    [TestCase(640, 480, 1230)]
    [TestCase(480, 360, 713)]
    [TestCase(17, 33, 9)]
    public void Pixtral(int width, int height, int tokens)
    {
        var target = PixtralImageLayout.TargetSize(width, height, longestEdge: 1024, patchSize: 16);
        Assert.That(PixtralImageLayout.TokenCount(target.Height / 16, target.Width / 16), Is.EqualTo(tokens));
    }

    // Qwen2-VL (min_pixels 3136, max_pixels 12845056 as in the checkpoints' preprocessor_config.json; factor 28);
    // tokens = (h/14) · (w/14) / 4.
    //   1680x2240: round(2240/28) = 80 → 2240, round(1680/28) = 60 → 1680; 3,763,200 px is within limits
    //              → grid 160 × 120 = 19200 patches → 4800 tokens
    //   640x480:   480/28 = 17.14 → 17 → 476; 640/28 = 22.86 → 23 → 644 → grid 34 × 46 = 1564 → 391 tokens
    //   480x360:   360/28 = 12.86 → 13 → 364; 480/28 = 17.14 → 17 → 476 → grid 26 × 34 = 884 → 221 tokens
    //   17x33:     33 → 28, 17 → 28: 784 px < 3136 → beta = √(3136 / 561) = 2.3643;
    //              ceil(33 · 2.3643 / 28) = ceil(2.787) = 3 → 84, ceil(17 · 2.3643 / 28) = ceil(1.435) = 2 → 56
    //              → grid 6 × 4 = 24 patches → 6 tokens
    [TestCase(1680, 2240, 4800)]
    [TestCase(640, 480, 391)]
    [TestCase(480, 360, 221)]
    [TestCase(17, 33, 6)]
    public void Qwen2Vl(int width, int height, int tokens)
    {
        var target = Qwen2VlImageLayout.SmartResize(height, width, factor: 28, minPixels: 3136, maxPixels: 12845056);
        Assert.That(Qwen2VlImageLayout.TokenCount(new Qwen2VlGrid(1, target.Height / 14, target.Width / 14)), Is.EqualTo(tokens));
    }
}
