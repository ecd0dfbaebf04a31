using NUnit.Framework;
using Qrt.Runtime.Models.Decoder;

namespace Qrt.Runtime.Tests.Models.Decoder;

[TestFixture]
internal sealed class MultimodalRotaryTests
{
    private static readonly float[] Frequencies = [1f, 0.5f, 0.25f, 0.125f, 0.0625f, 0.03125f];

    [Test]
    public void EachFrequency_RotatesByThePositionOfItsSection()
    {
        // Sections [1, 2, 3]: frequency 0 follows the temporal position, 1-2 the height, 3-5 the width.
        int[][] positions = [[7, 1], [3, 2], [5, 4]];

        var (cos, sin) = MultimodalRotary.Tables([1, 2, 3], Frequencies, positions);

        int[] axis = [0, 1, 1, 2, 2, 2];
        for (var t = 0; t < 2; t++)
        {
            for (var i = 0; i < Frequencies.Length; i++)
            {
                var angle = positions[axis[i]][t] * Frequencies[i];
                Assert.That(cos[(t * 6) + i], Is.EqualTo(MathF.Cos(angle)), $"cos t={t} i={i}");
                Assert.That(sin[(t * 6) + i], Is.EqualTo(MathF.Sin(angle)), $"sin t={t} i={i}");
            }
        }
    }

    [Test]
    public void EqualPositions_GiveTheOneDimensionalTables()
    {
        int[][] positions = [[0, 4, 9], [0, 4, 9], [0, 4, 9]];
        var (cos, _) = MultimodalRotary.Tables([2, 2, 2], Frequencies, positions);
        Assert.That(cos[(2 * 6) + 5], Is.EqualTo(MathF.Cos(9 * Frequencies[5])));
        Assert.That(cos[(1 * 6) + 0], Is.EqualTo(MathF.Cos(4 * Frequencies[0])));
    }

    [TestCase(new[] { 2, 2 }, TestName = "Sections_TwoWidths_AreRefused")]
    [TestCase(new[] { 2, 2, 3 }, TestName = "Sections_WrongSum_AreRefused")]
    public void BadSections_AreRefused(int[] sections) =>
        Assert.That(() => MultimodalRotary.Tables(sections, Frequencies, [[0], [0], [0]]), Throws.ArgumentException.With.Message.Contains("mrope_section"));
}
