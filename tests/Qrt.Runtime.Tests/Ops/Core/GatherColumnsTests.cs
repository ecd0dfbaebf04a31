using System.Runtime.InteropServices;
using Qrt.Runtime.Tests.Support;
using static Qrt.Runtime.Tests.Support.Rejection;

namespace Qrt.Runtime.Tests.Ops.Core;

[TestFixture]
internal sealed class GatherColumnsTests : CpuStreamFixture
{
    public static IEnumerable<TestCaseData> Cases() =>
        from dtype in new[] { DType.F32, DType.F16, DType.BF16 }
        from indexType in new[] { DType.I32, DType.I64 }
        from shape in new[] { (new long[] { 1, 7 }, 7), ([3, 17], 5), ([2, 3, 33], 40), ([17, 1], 3) }
        select new TestCaseData(dtype, indexType, shape.Item1, shape.Item2);

    [TestCaseSource(nameof(Cases))]
    public void GatherColumns_CopiesTheIndexedElementOfEachRow(DType dtype, DType indexType, long[] xShape, int gathered)
    {
        var data = new TestData(307);
        var columns = (int)xShape[^1];
        var rows = (int)(xShape.Aggregate(1L, (product, extent) => product * extent) / columns);
        // Random bit patterns: a gather is a copy, so every pattern, NaN payloads included, must come through.
        var elementBytes = dtype == DType.F32 ? 4 : 2;
        var bits = data.Integers(rows * columns * elementBytes, 0, 255).Select(b => (byte)b).ToArray();
        var indices = data.Integers(gathered, 0, columns - 1);
        long[] yShape = [.. xShape[..^1], gathered];
        using var x = FromBytes(dtype, bits, xShape);
        using var index = indexType == DType.I64
            ? QrtTensor.FromData<long>(indices.Select(i => (long)i).ToArray(), DType.I64, [gathered])
            : QrtTensor.FromData<int>(indices, DType.I32, [gathered]);
        using var y = QrtTensor.Empty(dtype, yShape);

        Qrt.Runtime.Ops.GatherColumns(Stream, x, index, y);

        var expected = new byte[rows * gathered * elementBytes];
        for (var r = 0; r < rows; r++)
        {
            for (var j = 0; j < gathered; j++)
            {
                Array.Copy(bits, ((r * columns) + indices[j]) * elementBytes, expected, ((r * gathered) + j) * elementBytes, elementBytes);
            }
        }

        Assert.That(ToBytes(y), Is.EqualTo(expected));
    }

    [Test]
    public void GatherColumns_RejectsAnIndexOutsideTheRow_NamingItsPosition()
    {
        using var x = QrtTensor.Zeros(DType.F32, [2, 5]);
        using var outside = QrtTensor.FromData<int>([0, 4, 5], DType.I32, [3]);
        using var y = QrtTensor.Zeros(DType.F32, [2, 3]);

        var error = AssertRejected(() => Qrt.Runtime.Ops.GatherColumns(Stream, x, outside, y), "qrt_gather_columns", "indices");

        Assert.That(error.Message, Does.Contain("position 2"));
    }

    [Test]
    public void GatherColumns_RejectsAnOutputOfAnotherDtype()
    {
        using var x = QrtTensor.Zeros(DType.F32, [2, 5]);
        using var index = QrtTensor.FromData<int>([0, 4, 1], DType.I32, [3]);
        using var y = QrtTensor.Zeros(DType.BF16, [2, 3]);

        AssertRejected(() => Qrt.Runtime.Ops.GatherColumns(Stream, x, index, y), "qrt_gather_columns", "y");
    }

    private static QrtTensor FromBytes(DType dtype, byte[] bytes, long[] shape) => dtype == DType.F32
        ? QrtTensor.FromData<uint>(MemoryMarshal.Cast<byte, uint>(bytes), dtype, shape)
        : QrtTensor.FromData<ushort>(MemoryMarshal.Cast<byte, ushort>(bytes), dtype, shape);

    private static byte[] ToBytes(QrtTensor tensor) => tensor.DType == DType.F32
        ? MemoryMarshal.AsBytes(tensor.ToArray<uint>().AsSpan()).ToArray()
        : MemoryMarshal.AsBytes(tensor.ToArray<ushort>().AsSpan()).ToArray();
}
