using Qrt.Runtime.Checkpoints;

namespace Qrt.Runtime.Tests.Checkpoints;

/// <summary>
/// <see cref="TensorDecoding" /> against values worked out by hand from the bit layouts, reading
/// little-endian bytes the test lays out itself.
/// </summary>
[TestFixture]
internal sealed class TensorDecodingTests
{
    [TestCase((ushort)0x3F80, 1.0f)]
    [TestCase((ushort)0xC000, -2.0f)]
    [TestCase((ushort)0x3E20, 0.15625f)]
    [TestCase((ushort)0x0001, 9.18354962e-41f)] // smallest subnormal, 2^-133
    [TestCase((ushort)0x7F80, float.PositiveInfinity)]
    public void Bf16(ushort bits, float expected) => Assert.That(TensorDecoding.Bf16ToSingle(bits), Is.EqualTo(expected));

    [TestCase((ushort)0x3C00, 1.0f)]
    [TestCase((ushort)0xC100, -2.5f)]
    [TestCase((ushort)0x7BFF, 65504.0f)]
    [TestCase((ushort)0x0001, 5.96046448e-8f)] // 2^-24
    [TestCase((ushort)0xFC00, float.NegativeInfinity)]
    public void F16(ushort bits, float expected) => Assert.That(TensorDecoding.F16ToSingle(bits), Is.EqualTo(expected));

    [TestCase((byte)0x38, 1.0f)] // exponent 7 = bias
    [TestCase((byte)0xB8, -1.0f)]
    [TestCase((byte)0x7E, 448.0f)] // 1.75 × 2^8, the largest finite
    [TestCase((byte)0x77, 240.0f)] // 1.875 × 2^7
    [TestCase((byte)0x08, 0.015625f)] // smallest normal, 2^-6
    [TestCase((byte)0x01, 0.001953125f)] // smallest subnormal, 2^-9
    [TestCase((byte)0x07, 0.013671875f)] // 7 × 2^-9
    [TestCase((byte)0x80, -0.0f)]
    [TestCase((byte)0x00, 0.0f)]
    [TestCase((byte)0x3C, 1.5f)]
    public void F8E4M3(byte bits, float expected) => Assert.That(TensorDecoding.F8E4M3ToSingle(bits), Is.EqualTo(expected));

    [Test]
    public void F8E4M3_HasNoInfinities_OnlyTwoNaNs()
    {
        var nans = Enumerable.Range(0, 256).Where(bits => float.IsNaN(TensorDecoding.F8E4M3ToSingle((byte)bits))).ToArray();
        var infinities = Enumerable.Range(0, 256).Count(bits => float.IsInfinity(TensorDecoding.F8E4M3ToSingle((byte)bits)));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(nans, Is.EqualTo(new[] { 0x7F, 0xFF }));
            Assert.That(infinities, Is.Zero);
            Assert.That(float.IsNegative(TensorDecoding.F8E4M3ToSingle(0x80)), Is.True, "0x80 is negative zero");
        }
    }

    [Test]
    public void Spans_ReadLittleEndian()
    {
        var floats = new float[2];
        using (Assert.EnterMultipleScope())
        {
            TensorDecoding.ToSingles(SafetensorsDType.BF16, [0x80, 0x3F, 0x00, 0xC0], floats);
            Assert.That(floats, Is.EqualTo(new[] { 1.0f, -2.0f }));
            TensorDecoding.ToSingles(SafetensorsDType.F16, [0x00, 0x3C, 0x00, 0xC1], floats);
            Assert.That(floats, Is.EqualTo(new[] { 1.0f, -2.5f }));
            TensorDecoding.ToSingles(SafetensorsDType.F32, [0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x20, 0x41], floats);
            Assert.That(floats, Is.EqualTo(new[] { 1.0f, 10.0f }));
            TensorDecoding.ToSingles(SafetensorsDType.F8E4M3, [0x7E, 0x01], floats);
            Assert.That(floats, Is.EqualTo(new[] { 448.0f, 0.001953125f }));

            var ints = new int[2];
            TensorDecoding.ToInt32s([0x01, 0x02, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF], ints);
            Assert.That(ints, Is.EqualTo(new[] { 0x0201, -1 }));
            var longs = new long[1];
            TensorDecoding.ToInt64s([0x00, 0x10, 0, 0, 0, 0, 0, 0x01], longs);
            Assert.That(longs, Is.EqualTo(new[] { 0x0100_0000_0000_1000L }));
        }
    }

    [Test]
    public void Spans_RefuseMismatchedLengths_AndNonFloatTypes()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(() => TensorDecoding.ToSingles(SafetensorsDType.BF16, new byte[3], new float[2]), Throws.ArgumentException);
            Assert.That(() => TensorDecoding.ToSingles(SafetensorsDType.I32, new byte[8], new float[2]), Throws.ArgumentException.With.Message.Contains("I32"));
            Assert.That(() => TensorDecoding.ToInt64s(new byte[8], new long[2]), Throws.ArgumentException);
        }
    }
}
