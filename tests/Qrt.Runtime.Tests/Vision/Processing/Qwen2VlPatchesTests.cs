using Qrt.Runtime.Vision.Processing;

namespace Qrt.Runtime.Tests.Vision.Processing;

/// <summary>Where each pixel of a labelled image lands in Qwen2-VL's patch rows, and the vision rotary positions.</summary>
[TestFixture]
internal sealed class Qwen2VlPatchesTests
{
    [Test]
    public void Extract_OrdersPatchesByMergeWindowAndValuesChannelCopyYX()
    {
        // 56 × 28 with the real sizes (patch 14, temporal 2, merge 2): a 2 × 4 patch grid, two 2 × 2 windows side by
        // side; rows of 3 · 2 · 14 · 14 = 1176 values. Encoder order: window 0 = patches (0,0) (0,1) (1,0) (1,1),
        // window 1 = (0,2) (0,3) (1,2) (1,3).
        var (patches, grid) = Qwen2VlPatches.Extract(PatchTestImages.Labelled(56, 28));
        Assert.Multiple(() =>
        {
            Assert.That(grid, Is.EqualTo(new Qwen2VlGrid(1, 2, 4)));
            Assert.That((patches.RowLength, patches.Count, patches.Values.Length), Is.EqualTo((1176, 8, 8 * 1176)));
            Assert.That(patches.Values[(1 * 1176) + 0], Is.EqualTo(14f));   // row 1 = patch (0,1): y 0, x 14
            Assert.That(patches.Values[(2 * 1176) + 0], Is.EqualTo(1400f)); // row 2 = patch (1,0): y 14, x 0
            Assert.That(patches.Values[(4 * 1176) + 0], Is.EqualTo(28f));   // row 4 = patch (0,2): window 1 starts
            // Offset ((c · 2 + t) · 14 + y) · 14 + x. c 1, t 1, y 3, x 5 → 635; in row 7 = patch (1,3): y 17, x 47.
            Assert.That(patches.Values[(7 * 1176) + 635], Is.EqualTo(11747f));
            // The temporal copy repeats the frame: t = 1 (offset + 196) holds what t = 0 holds.
            Assert.That(patches.Values[(7 * 1176) + 635 - 196], Is.EqualTo(11747f));
            // Offset 392 is channel 1, t 0, y 0, x 0.
            Assert.That(patches.Values[392], Is.EqualTo(10000f));
        });
    }

    [Test]
    public void Extract_WithSmallPatches_PlacesEveryValue()
    {
        // 8 × 4, patch 2, temporal 2, merge 2: grid 2 × 4, windows 1 × 2; rows of 3 · 2 · 2 · 2 = 24.
        var (patches, grid) = Qwen2VlPatches.Extract(PatchTestImages.Labelled(8, 4), patchSize: 2, temporalPatchSize: 2, mergeSize: 2);
        Assert.That(grid, Is.EqualTo(new Qwen2VlGrid(1, 2, 4)));
        (int Row, int Column)[] order = [(0, 0), (0, 1), (1, 0), (1, 1), (0, 2), (0, 3), (1, 2), (1, 3)];
        for (var patch = 0; patch < order.Length; patch++)
        {
            for (var offset = 0; offset < 24; offset++)
            {
                int channel = offset / 8, y = (order[patch].Row * 2) + (offset / 2 % 2), x = (order[patch].Column * 2) + (offset % 2);
                Assert.That(patches.Values[(patch * 24) + offset], Is.EqualTo(PatchTestImages.Value(channel, y, x)), $"patch {patch}, offset {offset}");
            }
        }
    }

    [Test]
    public void Extract_OfASizeThatIsNotWholeMergeWindows_IsRefused()
    {
        var error = Assert.Throws<ArgumentException>(() => Qwen2VlPatches.Extract(PatchTestImages.Labelled(42, 28)));
        Assert.That(error!.Message, Does.Contain("42x28").And.Contain("28x28"));
    }

    [Test]
    public void RotaryPositions_FollowTheMergeWindowOrder()
    {
        var positions = Qwen2VlPatches.RotaryPositions(new Qwen2VlGrid(1, 4, 4));
        Assert.That(positions.Rows, Is.EqualTo(new[] { 0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 3, 3, 2, 2, 3, 3 }));
        Assert.That(positions.Columns, Is.EqualTo(new[] { 0, 1, 0, 1, 2, 3, 2, 3, 0, 1, 0, 1, 2, 3, 2, 3 }));
    }

    [Test]
    public void RotaryPositions_RepeatForEachTemporalPatch()
    {
        var positions = Qwen2VlPatches.RotaryPositions(new Qwen2VlGrid(2, 2, 2));
        Assert.That(positions.Rows, Is.EqualTo(new[] { 0, 0, 1, 1, 0, 0, 1, 1 }));
        Assert.That(positions.Columns, Is.EqualTo(new[] { 0, 1, 0, 1, 0, 1, 0, 1 }));
    }
}
