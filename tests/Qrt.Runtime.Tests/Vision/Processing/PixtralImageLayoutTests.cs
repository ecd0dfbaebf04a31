using Qrt.Runtime.Vision.Processing;

namespace Qrt.Runtime.Tests.Vision.Processing;

/// <summary>Pixtral's resize target and image-token layout against sizes worked by hand from the reference rule.</summary>
[TestFixture]
internal sealed class PixtralImageLayoutTests
{
    private static readonly PixtralImageTokenIds TekkenIds = new(Image: 10, Break: 12, End: 13);

    // (width, height) → (target width, target height). Rule: ratio = max(h, w) / 1024; if > 1, side = floor(side / ratio);
    // then side = ((side − 1) // 16 + 1) · 16.
    [TestCase(1680, 2240, 768, 1024)] // ratio 2240/1024 = 2.1875; 1680/2.1875 = 768, 2240/2.1875 = 1024 (both exact)
    [TestCase(2240, 1680, 1024, 768)] // the same image on its side
    [TestCase(640, 480, 640, 480)]    // within 1024: unscaled, both sides already multiples of 16
    [TestCase(480, 360, 480, 368)]    // 360: (359 // 16 + 1) · 16 = 23 · 16 = 368
    [TestCase(17, 33, 32, 48)]        // small images grow to whole patches: 17 → 2 · 16, 33 → 3 · 16
    [TestCase(3000, 2000, 1024, 688)] // ratio 2.9296875; 2000 / ratio = 682.67 → 682 → 43 · 16 = 688
    [TestCase(1024, 1024, 1024, 1024)] // exactly the longest edge: ratio 1 is not > 1, nothing scales
    [TestCase(2048, 1025, 1024, 512)] // ratio 2; 1025 / 2 = 512.5 → floor 512 = 32 · 16 (the ceiling would give 513 → 528)
    public void TargetSize_FollowsTheCurrentReferenceRule(int width, int height, int targetWidth, int targetHeight)
    {
        Assert.That(PixtralImageLayout.TargetSize(width, height, longestEdge: 1024, patchSize: 16),
            Is.EqualTo(new ImageDimensions(targetWidth, targetHeight)));
    }

    [Test]
    public void TargetSize_OfASideThatScalesToZero_IsRefused()
    {
        // 1025 × 1: ratio 1025/1024, the height 1 / ratio = 0.999 floors to 0.
        var error = Assert.Throws<ArgumentException>(() => PixtralImageLayout.TargetSize(1025, 1, 1024, 16));
        Assert.That(error!.Message, Does.Contain("1025x1").And.Contain("aspect ratio"));
    }

    [TestCase(0, 10)]
    [TestCase(10, 0)]
    [TestCase(-1, 10)]
    public void TargetSize_OfAnEmptyImage_IsRefused(int width, int height)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => PixtralImageLayout.TargetSize(width, height, 1024, 16));
    }

    [Test]
    public void ImageTokens_EndEachRowWithABreakAndTheLastWithTheEnd()
    {
        // 2 rows of 3 patches: [IMG]×3 [IMG_BREAK] [IMG]×3 [IMG_END].
        Assert.That(PixtralImageLayout.ImageTokens(2, 3, TekkenIds), Is.EqualTo(new[] { 10, 10, 10, 12, 10, 10, 10, 13 }));
        // One row of one patch: [IMG] [IMG_END], no break at all.
        Assert.That(PixtralImageLayout.ImageTokens(1, 1, TekkenIds), Is.EqualTo(new[] { 10, 13 }));
    }

    [Test]
    public void ImageTokens_OfASeedSize_CountPatchesAndRows()
    {
        // 1680x2240 → 768x1024 → 64 rows × 48 columns: 3072 [IMG], 63 [IMG_BREAK], 1 [IMG_END] = 64 · 49 = 3136.
        var tokens = PixtralImageLayout.ImageTokens(64, 48, TekkenIds);
        Assert.Multiple(() =>
        {
            Assert.That(tokens, Has.Length.EqualTo(3136));
            Assert.That(tokens.Count(id => id == 10), Is.EqualTo(3072));
            Assert.That(tokens.Count(id => id == 12), Is.EqualTo(63));
            Assert.That(tokens[^1], Is.EqualTo(13));
            Assert.That(tokens[48], Is.EqualTo(12), "the first break follows the first row's 48 patches");
        });
    }
}
