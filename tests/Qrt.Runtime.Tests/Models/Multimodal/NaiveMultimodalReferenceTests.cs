using Qrt.Runtime.Synthesis;
using Qrt.Runtime.Tests.Models.Forward;

namespace Qrt.Runtime.Tests.Models.Multimodal;

/// <summary>Checks of the multimodal references themselves against values worked out by hand.</summary>
[TestFixture]
internal sealed class NaiveMultimodalReferenceTests
{
    [Test]
    public void MultimodalRotary_RotatesEachSectionByItsAxisPosition()
    {
        // d = 6, sections [1, 1, 1], θ = 100: inv_freq = [1, 100^(-1/3), 100^(-2/3)]. Columns 0 and 3 are temporal
        // (position 1), 1 and 4 height (position 2), 2 and 5 width (position 3); pair (i, i + 3) turns by its angle.
        double[] head = [1, 2, 3, 4, 5, 6];
        double[] angles = [1 * 1.0, 2 * Math.Pow(100, -1.0 / 3), 3 * Math.Pow(100, -2.0 / 3)];

        NaiveMultimodalRotary.Apply(head, 0, 6, [1, 2, 3], [1, 1, 1], 100);

        for (var i = 0; i < 3; i++)
        {
            var (first, second) = (i + 1.0, i + 4.0);
            Assert.That(head[i], Is.EqualTo((first * Math.Cos(angles[i])) - (second * Math.Sin(angles[i]))).Within(1e-14), $"column {i}");
            Assert.That(head[i + 3], Is.EqualTo((second * Math.Cos(angles[i])) + (first * Math.Sin(angles[i]))).Within(1e-14), $"column {i + 3}");
        }
    }

    [Test]
    public void MultimodalRotary_WithEqualPositions_IsTheOneDimensionalRotary()
    {
        var random = new Random(7);
        var values = Enumerable.Range(0, 16).Select(_ => random.NextDouble() - 0.5).ToArray();
        var expected = values.ToArray();

        NaiveMultimodalRotary.Apply(values, 0, 16, [9, 9, 9], [2, 3, 3], 10000);
        NaiveRotary.Apply(expected, 0, 16, 9, 10000);

        Assert.That(values, Is.EqualTo(expected).Within(1e-14));
    }

    [Test]
    public void RopeIndex_GivesTheImageItsMergedGridAndTheTextTheLargestPositionPlusOne()
    {
        // a <vs> 6 pads <ve> b with grid (1, 4, 6): merged 2 × 3. a = 0, <vs> = 1; the pads start at 2 with
        // t = 2, h = 2 2 2 3 3 3, w = 2 3 4 2 3 4; <ve> = 4 + 1 = 5, b = 6; delta = 7 − 10 = −3.
        const int Pad = 9;
        int[] tokens = [1, 2, Pad, Pad, Pad, Pad, Pad, Pad, 3, 4];

        var (positions, delta) = ReferenceImageTokens.Qwen2VlRopeIndex(tokens, [(1, 4, 6)], Pad, 2);

        Assert.That(positions[0], Is.EqualTo(new[] { 0, 1, 2, 2, 2, 2, 2, 2, 5, 6 }));
        Assert.That(positions[1], Is.EqualTo(new[] { 0, 1, 2, 2, 2, 3, 3, 3, 5, 6 }));
        Assert.That(positions[2], Is.EqualTo(new[] { 0, 1, 2, 3, 4, 2, 3, 4, 5, 6 }));
        Assert.That(delta, Is.EqualTo(-3));
    }

    [Test]
    public void NaiveConfig_ReadsTheLanguageModelOfEachVisionLanguageCheckpoint()
    {
        using var checkpoints = new VisionLanguageCheckpoints();

        var pixtral = NaiveConfig.Read(checkpoints.For(SyntheticArchitecture.Pixtral, SyntheticScheme.Bf16));
        var qwen2Vl = NaiveConfig.Read(checkpoints.For(SyntheticArchitecture.Qwen2Vl, SyntheticScheme.Bf16));

        using (Assert.EnterMultipleScope())
        {
            // Llava: text_config names no class; its model_type "mistral" and explicit head_dim 24 do.
            Assert.That((pixtral.Architecture, pixtral.TensorPrefix, pixtral.HeadDim), Is.EqualTo(("MistralForCausalLM", "language_model.", 24)));
            Assert.That((pixtral.MropeSection, pixtral.QkvBias, pixtral.TieWordEmbeddings), Is.EqualTo(((IReadOnlyList<int>?)null, false, false)));

            // Qwen2-VL: Qwen2 at the top level; head_dim 16 leaves 8 frequencies, split 2 : 3 : 3 (16 : 24 : 24 scaled).
            Assert.That((qwen2Vl.Architecture, qwen2Vl.TensorPrefix, qwen2Vl.HeadDim, qwen2Vl.QkvBias), Is.EqualTo(("Qwen2ForCausalLM", string.Empty, 16, true)));
            Assert.That(qwen2Vl.MropeSection, Is.EqualTo(new[] { 2, 3, 3 }));
            Assert.That(qwen2Vl.TieWordEmbeddings, Is.False);
        }
    }

    [TestCase(50, 37, 84, 56)]
    [TestCase(48, 64, 56, 56)]
    [TestCase(42, 42, 56, 56)]
    [TestCase(2000, 3000, 1988, 2996)]
    public void SmartResize_FollowsTheRoundingAndPixelBounds(int height, int width, int expectedHeight, int expectedWidth)
    {
        // 42 / 28 = 1.5 rounds half to even: 2 · 28 = 56. 2000 × 3000 rounds to 1988 × 2996 (round(71.43) = 71,
        // round(107.14) = 107), within 12845056 pixels, so only the rounding applies.
        Assert.That(ReferenceImageTokens.SmartResize(height, width, 28, 3136, 12845056), Is.EqualTo((expectedHeight, expectedWidth)));
    }
}
