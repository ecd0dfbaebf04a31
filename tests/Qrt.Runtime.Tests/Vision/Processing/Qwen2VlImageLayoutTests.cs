using Qrt.Runtime.Vision.Processing;

namespace Qrt.Runtime.Tests.Vision.Processing;

/// <summary>smart_resize against sizes worked by hand from the reference rule, every branch and error.</summary>
[TestFixture]
internal sealed class Qwen2VlImageLayoutTests
{
    private const int CheckpointMaxPixels = 12845056;

    // (height, width) → (resized height, resized width) with min 3136 and the checkpoints' max 12845056.
    [TestCase(2240, 1680, 2240, 1680)] // already multiples of 28, within limits
    [TestCase(480, 640, 476, 644)]     // 17.14 → 17, 22.86 → 23
    [TestCase(360, 480, 364, 476)]     // 12.86 → 13, 17.14 → 17
    [TestCase(33, 17, 84, 56)]         // below min_pixels: beta = √(3136/561) = 2.3643, ceil(2.787) = 3, ceil(1.435) = 2
    [TestCase(70, 70, 56, 56)]         // 70/28 = 2.5 rounds half to EVEN: 2 → 56 (56² = 3136 is not below the minimum)
    [TestCase(42, 42, 56, 56)]         // 1.5 rounds half to even: 2 → 56
    [TestCase(98, 70, 112, 56)]        // 3.5 → 4, 2.5 → 2
    [TestCase(1, 200, 28, 812)]        // aspect exactly 200 is allowed: rounds to 0 × 196 < 3136, beta = √(3136/200) = 3.9598,
                                       // ceil(0.1414) = 1 → 28, ceil(28.28) = 29 → 812
    public void SmartResize_WithTheCheckpointLimits(int height, int width, int resizedHeight, int resizedWidth)
    {
        Assert.That(Qwen2VlImageLayout.SmartResize(height, width, 28, 3136, CheckpointMaxPixels),
            Is.EqualTo(new ImageDimensions(resizedWidth, resizedHeight)));
    }

    [Test]
    public void SmartResize_AboveMaxPixels_ScalesDownAndFloors()
    {
        // Class default max 28·28·1280 = 1,003,520. 2240 × 1680 = 3,763,200 > max: beta = √3.75 = 1.93649;
        // 2240 / beta / 28 = 41.31 → 41 → 1148; 1680 / beta / 28 = 30.98 → 30 → 840.
        Assert.That(Qwen2VlImageLayout.SmartResize(2240, 1680), Is.EqualTo(new ImageDimensions(840, 1148)));
    }

    [Test]
    public void SmartResize_AboveMaxPixels_KeepsAtLeastOneFactorPerSide()
    {
        // 28 × 5600 (aspect 200) with max 28·28·4 = 3136: rounds to 28 × 5600 = 156,800 > 3136; beta = √50 = 7.071;
        // 28 / beta / 28 = 0.14 → floor 0 → raised to 28; 5600 / beta / 28 = 28.28 → 28 → 784.
        Assert.That(Qwen2VlImageLayout.SmartResize(28, 5600, 28, 56 * 56, 28 * 28 * 4), Is.EqualTo(new ImageDimensions(784, 28)));
    }

    [TestCase(1, 201)]
    [TestCase(1000, 4)]
    public void SmartResize_OfAnAspectRatioAbove200_IsRefused(int height, int width)
    {
        var error = Assert.Throws<ArgumentException>(() => Qwen2VlImageLayout.SmartResize(height, width));
        Assert.That(error!.Message, Does.Contain("aspect ratio").And.Contain("200"));
    }

    [Test]
    public void SmartResize_ThatWouldGiveAZeroSide_IsRefused()
    {
        // min_pixels 0 disables the upscaling branch: 10/28 rounds to 0.
        var error = Assert.Throws<ArgumentException>(() => Qwen2VlImageLayout.SmartResize(10, 10, 28, 0, CheckpointMaxPixels));
        Assert.That(error!.Message, Does.Contain("0 pixels"));
    }

    [TestCase(0, 10)]
    [TestCase(10, 0)]
    public void SmartResize_OfAnEmptyImage_IsRefused(int height, int width)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Qwen2VlImageLayout.SmartResize(height, width));
    }

    [Test]
    public void SmartResize_OfASmallImage_GrowsItInsteadOfRefusing()
    {
        // Current reference: no "smaller than the factor" error. 10 × 10 rounds to 0 × 0 < 3136; beta = √31.36 = 5.6;
        // ceil(56 / 28) = 2 → 56 × 56.
        Assert.That(Qwen2VlImageLayout.SmartResize(10, 10), Is.EqualTo(new ImageDimensions(56, 56)));
    }

    [Test]
    public void TokenCount_IsPatchesOverMergeWindow()
    {
        Assert.That(Qwen2VlImageLayout.TokenCount(new Qwen2VlGrid(1, 34, 46)), Is.EqualTo(391)); // 1564 / 4
        Assert.That(Qwen2VlImageLayout.TokenCount(new Qwen2VlGrid(2, 4, 6)), Is.EqualTo(12));   // 48 / 4
    }
}
