using Qrt.Runtime.Tests.Support;
using static Qrt.Runtime.Tests.Ops.Core.CoreTesting;
using static Qrt.Runtime.Tests.Support.Rejection;
using static Qrt.Runtime.Tests.Support.TensorBits;

namespace Qrt.Runtime.Tests.Ops.Core;

[TestFixture]
internal sealed class ArgmaxTests : CpuStreamFixture
{
    public static IEnumerable<TestCaseData> Cases() =>
        from x in StorageFloatDTypes
        from indices in new[] { DType.I32, DType.I64 }
        from shape in new[] { Shape(1, 1), Shape(3, 7), Shape(17, 33), Shape(2, 3, 127), Shape(2, 1000) }
        select new TestCaseData(x, indices, shape);

    [TestCaseSource(nameof(Cases))]
    public void Argmax_FindsTheFirstLargest_AmongManyTies(DType xType, DType indexType, long[] shape)
    {
        var x = new TestData(111).Integers(Count(shape), -3, 3).Select(v => (float)v).ToArray();

        var actual = Run(xType, x, shape, indexType);

        Assert.That(actual, Is.EqualTo(Reference(x, (int)shape[^1])));
    }

    [TestCase(DType.F32, DType.I32)]
    [TestCase(DType.BF16, DType.I64)]
    public void Argmax_MatchesReference_ForDistinctValues(DType xType, DType indexType)
    {
        var x = Stored(xType, new TestData(112).Normal(33 * 127));

        var actual = Run(xType, x, [33, 127], indexType);

        Assert.That(actual, Is.EqualTo(Reference(x, 127)));
    }

    [TestCase(DType.F32, DType.I32)]
    [TestCase(DType.F32, DType.I64)]
    [TestCase(DType.BF16, DType.I32)]
    [TestCase(DType.BF16, DType.I64)]
    public void Argmax_PicksTheFirstNaN_AndHandlesInfinities(DType xType, DType indexType)
    {
        const float NaN = float.NaN, Inf = float.PositiveInfinity;
        float[][] rows =
        [
            [1, 2, NaN, 5, NaN, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            [NaN, 2, 3, 5, 7, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            [1, 2, 3, 5, 7, 9, Inf, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, NaN],
            [-Inf, -Inf, -Inf, -Inf, -Inf, -Inf, -Inf, -Inf, -Inf, -Inf, -Inf, -Inf, -Inf, -Inf, -Inf, -Inf, -Inf, -Inf, -Inf],
            [1, Inf, 3, Inf, 7, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
            [-0f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        ];
        var x = rows.SelectMany(row => row).ToArray();

        var actual = Run(xType, x, [rows.Length, rows[0].Length], indexType);

        Assert.That(actual, Is.EqualTo(new long[] { 2, 0, 18, 0, 1, 18, 0 }), "first NaN; first of equal infinities; −0 equals +0");
    }

    [Test]
    public void Argmax_RefusesWrongDTypes()
    {
        using var x = QrtTensor.Zeros(DType.F32, [3, 7]);
        using var xInts = QrtTensor.Zeros(DType.I32, [3, 7]);
        using var indices = QrtTensor.Zeros(DType.I32, [3]);
        using var floatIndices = QrtTensor.Zeros(DType.F32, [3]);

        using (Assert.EnterMultipleScope())
        {
            AssertRejected(() => Qrt.Runtime.Ops.Argmax(Stream, xInts, indices), "qrt_argmax", "x");
            AssertRejected(() => Qrt.Runtime.Ops.Argmax(Stream, x, floatIndices), "qrt_argmax", "indices");
        }

        AssertAValidArgmaxSucceeds();
    }

    [Test]
    public void Argmax_RefusesMismatchedShapes()
    {
        using var x = QrtTensor.Zeros(DType.F32, [3, 7]);
        using var empty = QrtTensor.Zeros(DType.F32, [3, 0]);
        using var indices = QrtTensor.Zeros(DType.I64, [3]);
        using var four = QrtTensor.Zeros(DType.I64, [4]);

        using (Assert.EnterMultipleScope())
        {
            AssertRejected(() => Qrt.Runtime.Ops.Argmax(Stream, x, four), "qrt_argmax", "indices");
            AssertRejected(() => Qrt.Runtime.Ops.Argmax(Stream, empty, indices), "qrt_argmax", "x");
        }

        AssertAValidArgmaxSucceeds();
    }

    [Test]
    public void Argmax_ThrowsObjectDisposed_ForADisposedTensor()
    {
        using var x = QrtTensor.Zeros(DType.F32, [3, 7]);
        var indices = Disposed(DType.I32, 3);

        Assert.Throws<ObjectDisposedException>(() => Qrt.Runtime.Ops.Argmax(Stream, x, indices));

        AssertAValidArgmaxSucceeds();
    }

    private static long[] Reference(float[] x, int width)
    {
        var result = new long[x.Length / width];
        for (var row = 0; row < result.Length; row++)
        {
            var best = 0;
            for (var i = 1; i < width; i++)
            {
                var candidate = x[(row * width) + i];
                var current = x[(row * width) + best];
                if (!float.IsNaN(current) && (float.IsNaN(candidate) || candidate > current))
                {
                    best = i;
                }
            }

            result[row] = best;
        }

        return result;
    }

    private long[] Run(DType xType, float[] x, long[] shape, DType indexType)
    {
        using var tx = Upload(xType, x, shape);
        using var indices = QrtTensor.Zeros(indexType, shape.AsSpan(0, shape.Length - 1));
        Qrt.Runtime.Ops.Argmax(Stream, tx, indices);
        return indexType == DType.I64 ? indices.ToArray<long>() : indices.ToArray<int>().Select(i => (long)i).ToArray();
    }

    private void AssertAValidArgmaxSucceeds()
    {
        var actual = Run(DType.F32, [1f, 3f, 3f, 2f], [1, 4], DType.I32);
        Assert.That(actual, Is.EqualTo(new long[] { 1 }), "a valid argmax on the same stream after the failure");
    }
}
