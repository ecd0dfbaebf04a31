using Qrt.Runtime.Vision.Processing;

namespace Qrt.Runtime.Tests.Vision.Processing;

/// <summary>&lt;|image_pad|&gt; expansion and the M-RoPE position ids, against sequences worked by hand.</summary>
[TestFixture]
internal sealed class Qwen2VlPromptTests
{
    private const int Start = 151652, End = 151653, Pad = 151655;
    private static readonly Qwen2VlImageTokenIds Ids = new(Start, End, Pad);

    [Test]
    public void Expand_RepeatsEachPadForItsImagesMergedTokens()
    {
        // Image 1: grid 1 × 4 × 6 → 24 patches / 4 = 6 pads; image 2: 1 × 2 × 2 → 1 pad.
        int[] prompt = [5, Start, Pad, End, 6, Start, Pad, End];
        int[] expected = [5, Start, Pad, Pad, Pad, Pad, Pad, Pad, End, 6, Start, Pad, End];
        Assert.That(Qwen2VlPromptExpansion.Expand(prompt, [new(1, 4, 6), new(1, 2, 2)], Ids), Is.EqualTo(expected));
    }

    [Test]
    public void Expand_WithAnotherNumberOfImagesThanPads_IsRefused()
    {
        var error = Assert.Throws<ArgumentException>(() => Qwen2VlPromptExpansion.Expand([Start, Pad, End], [new(1, 2, 2), new(1, 2, 2)], Ids));
        Assert.That(error!.Message, Does.Contain("1 image placeholder").And.Contain("2 image(s)"));
    }

    [Test]
    public void RopeIndex_OfOneImage_MatchesTheFormulaByHand()
    {
        // t0 t1 <vs> [6 pads: grid 1 × 4 × 6 → merged 1 × 2 × 3] <ve> t2 t3 (12 tokens).
        // Text t0 t1 <vs> take 0, 1, 2 on all axes. The image starts at 3 = st_idx 0 + text_len 3:
        // pads (t, h, w) = 3 + (0, row, column) for rows 0..1, columns 0..2. Its largest position is 3 + 2 = 5,
        // so <ve> takes 6, t2 7, t3 8. rope_delta = 8 + 1 − 12 = −3.
        int[] ids = [100, 101, Start, Pad, Pad, Pad, Pad, Pad, Pad, End, 102, 103];
        var positions = Qwen2VlRopeIndex.Compute(ids, [new(1, 4, 6)], Ids);
        Assert.Multiple(() =>
        {
            Assert.That(positions.Temporal, Is.EqualTo(new[] { 0, 1, 2, 3, 3, 3, 3, 3, 3, 6, 7, 8 }));
            Assert.That(positions.Height, Is.EqualTo(new[] { 0, 1, 2, 3, 3, 3, 4, 4, 4, 6, 7, 8 }));
            Assert.That(positions.Width, Is.EqualTo(new[] { 0, 1, 2, 3, 4, 5, 3, 4, 5, 6, 7, 8 }));
            Assert.That(positions.RopeDelta, Is.EqualTo(-3));
            // The first generated token (sequence index 12) continues at 9 on all three axes.
            Assert.That(positions.DecodePosition(12), Is.EqualTo(9));
        });
    }

    [Test]
    public void RopeIndex_OfTwoImagesOfDifferentSizes_ResumesAfterEachImagesLargestPosition()
    {
        // <vs> pad <ve> <vs> [6 pads] <ve> x, grids 1 × 2 × 2 (merged 1 × 1) and 1 × 4 × 6 (merged 2 × 3).
        // <vs> 0; image 1 at 1 + (0,0,0) → 1; next text from 1 + 1 = 2: <ve> 2, <vs> 3; image 2 at 4 + (0, r, c);
        // its largest is 4 + 2 = 6, so <ve> 7, x 8. 12 tokens, rope_delta = 9 − 12 = −3.
        int[] ids = [Start, Pad, End, Start, Pad, Pad, Pad, Pad, Pad, Pad, End, 42];
        var positions = Qwen2VlRopeIndex.Compute(ids, [new(1, 2, 2), new(1, 4, 6)], Ids);
        Assert.Multiple(() =>
        {
            Assert.That(positions.Temporal, Is.EqualTo(new[] { 0, 1, 2, 3, 4, 4, 4, 4, 4, 4, 7, 8 }));
            Assert.That(positions.Height, Is.EqualTo(new[] { 0, 1, 2, 3, 4, 4, 4, 5, 5, 5, 7, 8 }));
            Assert.That(positions.Width, Is.EqualTo(new[] { 0, 1, 2, 3, 4, 5, 6, 4, 5, 6, 7, 8 }));
            Assert.That(positions.RopeDelta, Is.EqualTo(-3));
        });
    }

    [Test]
    public void RopeIndex_OfSeveralTemporalPatches_AdvancesTheTemporalAxis()
    {
        // grid 2 × 2 × 2 → merged 2 × 1 × 1: two pads at (1 + t, 1, 1) for t = 0, 1; <ve> at 1 + 2 = 3.
        var positions = Qwen2VlRopeIndex.Compute([Start, Pad, Pad, End], [new(2, 2, 2)], Ids);
        Assert.That(positions.Temporal, Is.EqualTo(new[] { 0, 1, 2, 3 }));
        Assert.That(positions.Height, Is.EqualTo(new[] { 0, 1, 1, 3 }));
        Assert.That(positions.Width, Is.EqualTo(new[] { 0, 1, 1, 3 }));
        Assert.That(positions.RopeDelta, Is.EqualTo(0)); // largest 3 + 1 − 4
    }

    [Test]
    public void RopeIndex_OfTextOnly_IsOrdinaryPositions()
    {
        var positions = Qwen2VlRopeIndex.Compute([7, 8, 9], [], Ids);
        Assert.That(positions.Temporal, Is.EqualTo(new[] { 0, 1, 2 }));
        Assert.That(positions.Height, Is.EqualTo(new[] { 0, 1, 2 }));
        Assert.That(positions.Width, Is.EqualTo(new[] { 0, 1, 2 }));
        Assert.That(positions.RopeDelta, Is.EqualTo(0));
    }

    [Test]
    public void RopeIndex_WithPadsThatDoNotMatchTheGrid_IsRefused()
    {
        // Not expanded: one pad where the grid needs 6.
        var error = Assert.Throws<ArgumentException>(() => Qwen2VlRopeIndex.Compute([Start, Pad, End], [new(1, 4, 6)], Ids));
        Assert.That(error!.Message, Does.Contain("1 <|image_pad|>").And.Contain("makes 6"));
    }

    [Test]
    public void RopeIndex_WithAnotherNumberOfImagesThanGrids_IsRefused()
    {
        var error = Assert.Throws<ArgumentException>(() => Qwen2VlRopeIndex.Compute([Start, Pad, End], [], Ids));
        Assert.That(error!.Message, Does.Contain("opens 1 image"));
    }

    [Test]
    public void RopeIndex_WithAStrayPad_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => Qwen2VlRopeIndex.Compute([Start, Pad, End, Pad], [new(1, 2, 2)], Ids));
    }

    [Test]
    public void ExpandThenRopeIndex_OfASeedImage_SpansItsTokens()
    {
        // 640x480 → grid 1 × 34 × 46 → 391 pads (merged 17 × 23). <vs> 0, pads from 1, largest 1 + 22 = 23,
        // <ve> 24. Sequence length 393 → rope_delta = 25 − 393 = −368.
        var expanded = Qwen2VlPromptExpansion.Expand([Start, Pad, End], [new(1, 34, 46)], Ids);
        var positions = Qwen2VlRopeIndex.Compute(expanded, [new(1, 34, 46)], Ids);
        Assert.That(expanded, Has.Length.EqualTo(393));
        Assert.That(positions.Width[^1], Is.EqualTo(24));
        Assert.That(positions.RopeDelta, Is.EqualTo(-368));
    }
}
