using Qrt.Runtime.Vision;
using Qrt.Runtime.Vision.Images;

namespace Qrt.Runtime.Tests.Vision.Images;

/// <summary>
/// <see cref="BicubicResizer" /> against Pillow's own <c>Image.resize(size, Image.BICUBIC)</c>, byte for byte, for every
/// case in tests/goldens/resize: a 481×359 picture with ramps, hard edges, one-pixel lines and noise to sizes up and
/// down, on either side of the rule that orders Pillow's passes, and small odd sources (one row, one column, 3×3, a
/// step, pure noise). Sources and results are lossless PNGs, decoded here by Qrt's own decoder.
/// </summary>
[TestFixture]
internal sealed class PillowResizeGoldenTests
{
    public static IEnumerable<TestCaseData> Cases() =>
        ResizeGoldens.Cases().Select(golden => new TestCaseData(golden).SetName($"Resize_{golden.SourceName}_To_{golden.Width}x{golden.Height}_EqualsPillow"));

    [TestCaseSource(nameof(Cases))]
    public void Resize_EqualsPillowByteForByte(ResizeGoldens.Case golden)
    {
        var source = ImageDecoder.Decode(golden.SourcePath);
        Assert.That((source.Width, source.Height), Is.EqualTo((golden.SourceWidth, golden.SourceHeight)), "the source's size");
        var expected = ImageDecoder.Decode(golden.ResultPath);
        Assert.That((expected.Width, expected.Height), Is.EqualTo((golden.Width, golden.Height)), "the golden's own size");

        var resized = BicubicResizer.Resize(source, golden.Width, golden.Height);

        Assert.That((resized.Width, resized.Height), Is.EqualTo((golden.Width, golden.Height)));
        Assert.That(Describe(expected, resized), Is.Null);
    }

    [Test]
    public void Goldens_CoverBothPassOrders()
    {
        // The manifest must keep cases on both sides of Pillow's pass-order rule, or the comparison could not catch
        // a resizer that ignores it.
        var bothChange = ResizeGoldens.Cases().Where(golden => golden.Width != golden.SourceWidth && golden.Height != golden.SourceHeight).ToList();

        var verticalFirst = bothChange.Count(golden => BicubicResizer.VerticalPassFirst(golden.SourceWidth, golden.SourceHeight, golden.Width, golden.Height));

        Assert.That(verticalFirst, Is.GreaterThanOrEqualTo(10));
        Assert.That(bothChange.Count - verticalFirst, Is.GreaterThanOrEqualTo(10));
    }

    /// <summary>Null when the pixels agree; otherwise how many bytes differ, by how much at most, and where first.</summary>
    private static string? Describe(RgbImage expected, RgbImage actual)
    {
        int count = 0, largest = 0, first = -1;
        for (var i = 0; i < expected.Pixels.Length; i++)
        {
            var gap = Math.Abs(expected.Pixels[i] - actual.Pixels[i]);
            if (gap == 0)
            {
                continue;
            }

            count++;
            largest = Math.Max(largest, gap);
            first = first < 0 ? i : first;
        }

        if (count == 0)
        {
            return null;
        }

        var pixel = first / 3;
        var at = first - (first % 3);
        return $"{count} of {expected.Pixels.Length} bytes differ, by up to {largest}; first at pixel (x {pixel % expected.Width}, y {pixel / expected.Width}), "
            + $"channel {"RGB"[first % 3]}: Pillow has ({expected.Pixels[at]}, {expected.Pixels[at + 1]}, {expected.Pixels[at + 2]}), "
            + $"Qrt ({actual.Pixels[at]}, {actual.Pixels[at + 1]}, {actual.Pixels[at + 2]})";
    }
}
