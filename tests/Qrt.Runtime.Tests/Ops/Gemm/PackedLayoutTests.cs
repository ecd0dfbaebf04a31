using NUnit.Framework;

namespace Qrt.Runtime.Tests.Ops.Gemm;

/// <summary>The test's own packer against words worked out by hand from the layout in qrt.h.</summary>
[TestFixture]
internal sealed class PackedLayoutTests
{
    [Test]
    public void PackAlongRows_Stores4BitValuesPlus8LowNibbleFirst()
    {
        var q = Enumerable.Range(-8, 16).ToArray();

        var words = PackedIntReference.PackAlongRows(q, 1, 16, 4);

        Assert.That(words, Is.EqualTo(new[] { 0x76543210, unchecked((int)0xFEDCBA98) }));
    }

    [Test]
    public void PackAlongRows_Stores8BitValuesPlus128LowByteFirst()
    {
        var words = PackedIntReference.PackAlongRows([-128, -1, 0, 127, 5], 1, 5, 8);

        Assert.That(words, Is.EqualTo(new[] { unchecked((int)0xFF807F00), 0x85 }));
    }

    [Test]
    public void PackAlongRows_StartsEachRowInANewWord()
    {
        var words = PackedIntReference.PackAlongRows([-8, 0, 7, 1, 2, 3], 2, 3, 4);

        Assert.That(words, Is.EqualTo(new[] { 0xF80, 0xBA9 }));
    }

    [Test]
    public void PackAlongColumns_PacksZeroPointsDownEachColumn()
    {
        // Nine rows of two columns: rows 0..7 fill the first word of each column, row 8 starts the second.
        var q = new int[18];
        for (var r = 0; r < 9; r++)
        {
            q[r * 2] = r - 8;
            q[(r * 2) + 1] = 7 - r;
        }

        var words = PackedIntReference.PackAlongColumns(q, 9, 2, 4);

        Assert.That(words, Is.EqualTo(new[] { 0x76543210, unchecked((int)0x89ABCDEF), 0x8, 0x7 }));
    }

    [Test]
    public void Unpack_InvertsPack_ForEveryValueOfBothWidths()
    {
        foreach (var bits in new[] { 4, 8 })
        {
            var q = Enumerable.Range(-(1 << (bits - 1)), 1 << bits).ToArray();
            var rows = PackedIntReference.PackAlongRows(q, 1, q.Length, bits);
            var columns = PackedIntReference.PackAlongColumns(q, q.Length, 1, bits);
            Assert.That(Enumerable.Range(0, q.Length).Select(i => PackedIntReference.UnpackAlongRows(rows, q.Length, bits, 0, i)), Is.EqualTo(q), $"{bits}-bit rows");
            Assert.That(Enumerable.Range(0, q.Length).Select(i => PackedIntReference.UnpackAlongColumns(columns, 1, bits, i, 0)), Is.EqualTo(q), $"{bits}-bit columns");
        }
    }

    [TestCase(4, 8)]
    [TestCase(4, -9)]
    [TestCase(8, 128)]
    public void PackAlongRows_RefusesValuesOutsideTheBitWidth(int bits, int value) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => PackedIntReference.PackAlongRows([value], 1, 1, bits));
}
