using Qrt.Runtime.Vision.Processing;

namespace Qrt.Runtime.Tests.Vision.Processing;

/// <summary>Where each pixel of a labelled image lands in Pixtral's patch rows, and the 2-D position ids.</summary>
[TestFixture]
internal sealed class PixtralPatchesTests
{
    [Test]
    public void Extract_OrdersPatchesRowMajorAndValuesChannelThenYThenX()
    {
        // 32 × 16 with 8 × 8 patches: 2 patch rows × 4 patch columns, rows of 3 · 8 · 8 = 192 values.
        var patches = PixtralPatches.Extract(PatchTestImages.Labelled(32, 16), 8);
        Assert.Multiple(() =>
        {
            Assert.That((patches.GridRows, patches.GridColumns, patches.RowLength, patches.Count), Is.EqualTo((2, 4, 192, 8)));
            // Patch 5 = patch row 1, column 1: its first value is channel 0 at (y 8, x 8).
            Assert.That(patches.Values[(5 * 192) + 0], Is.EqualTo(808f));
            // Offset 1 is the next x; offset 8 the next y; offset 64 the next channel.
            Assert.That(patches.Values[(5 * 192) + 1], Is.EqualTo(809f));
            Assert.That(patches.Values[(5 * 192) + 8], Is.EqualTo(908f));
            Assert.That(patches.Values[(5 * 192) + 64], Is.EqualTo(10808f));
            // Patch 3 = row 0, column 3; last value: channel 2, y 7, x 31.
            Assert.That(patches.Values[(3 * 192) + 191], Is.EqualTo(20731f));
        });

        for (var patch = 0; patch < 8; patch++)
        {
            for (var offset = 0; offset < 192; offset++)
            {
                int channel = offset / 64, y = (patch / 4 * 8) + (offset / 8 % 8), x = (patch % 4 * 8) + (offset % 8);
                Assert.That(patches.Values[(patch * 192) + offset], Is.EqualTo(PatchTestImages.Value(channel, y, x)), $"patch {patch}, offset {offset}");
            }
        }
    }

    [Test]
    public void Extract_IgnoresPixelsPastTheLastWholePatch()
    {
        // 35 × 17 with 8 × 8 patches: 4 columns (x 32–34 dropped) and 2 rows (y 16 dropped), as the stride-8 convolution.
        var patches = PixtralPatches.Extract(PatchTestImages.Labelled(35, 17), 8);
        Assert.That((patches.GridRows, patches.GridColumns), Is.EqualTo((2, 4)));
        Assert.That(patches.Values[(7 * 192) + 63], Is.EqualTo(1531f)); // patch (1, 3), channel 0, y 15, x 31
    }

    [Test]
    public void Extract_OfAnImageSmallerThanAPatch_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => PixtralPatches.Extract(PatchTestImages.Labelled(7, 20), 8));
    }

    [Test]
    public void PositionIds_UseTheEncodersMaximumWidth()
    {
        // 2 × 3 patches, max width 64: row · 64 + column.
        Assert.That(PixtralPatches.PositionIds(2, 3, 64), Is.EqualTo(new[] { 0, 1, 2, 64, 65, 66 }));
        Assert.That(PixtralPatches.PositionIds(64, 48, 64)[^1], Is.EqualTo((63 * 64) + 47));
    }

    [Test]
    public void PositionIds_BeyondTheEncodersGrid_AreRefused()
    {
        Assert.Throws<ArgumentException>(() => PixtralPatches.PositionIds(2, 65, 64));
    }
}
