using Qrt.Runtime.Tests.Support;
using static Qrt.Runtime.Tests.Ops.Core.CoreTesting;
using static Qrt.Runtime.Tests.Support.Rejection;
using static Qrt.Runtime.Tests.Support.TensorBits;
using static Qrt.Runtime.Tests.Support.TensorSpec;

namespace Qrt.Runtime.Tests.Ops.Core;

[TestFixture]
internal sealed class ArgmaxTests : CpuStreamFixture
{
    private static readonly Call ValidArguments = new(X: Zeros(DType.F32, 3, 7), Indices: Zeros(DType.I32, 3));

    public static IEnumerable<TestCaseData> Cases() =>
        from x in StorageFloatDTypes
        from indices in new[] { DType.I32, DType.I64 }
        from shape in new[] { Shape(1, 1), Shape(3, 7), Shape(17, 33), Shape(2, 3, 127), Shape(2, 1000) }
        select new TestCaseData(x, indices, shape);

    public static IEnumerable<TestCaseData> BadArguments() => BadArgument.Cases<Call>(
        new("an integer x", c => c with { X = Zeros(DType.I32, 3, 7) }, "x"),
        new("float indices", c => c with { Indices = Zeros(DType.F32, 3) }, "indices"),
        new("an index too many", c => c with { Indices = Zeros(DType.I64, 4) }, "indices"),
        new("rows of no elements", c => c with { X = Zeros(DType.F32, 3, 0), Indices = Zeros(DType.I64, 3) }, "x"));

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
    public void Argmax_AcceptsTheArguments_ThatEachBadArgumentCaseChanges() =>
        Assert.That(() => Invoke(ValidArguments), Throws.Nothing);

    [TestCaseSource(nameof(BadArguments))]
    public void Argmax_Refuses(BadArgument<Call> bad)
    {
        AssertRejected(() => Invoke(bad.Change(ValidArguments)), "qrt_argmax", bad.Argument);

        AssertAValidArgmaxSucceeds();
    }

    [Test]
    public void Argmax_ThrowsObjectDisposed_ForADisposedTensor()
    {
        Assert.Throws<ObjectDisposedException>(() => Invoke(ValidArguments with { Indices = ValidArguments.Indices.Disposed() }));

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

    private void Invoke(Call c)
    {
        using var tensors = new TensorScope();
        Qrt.Runtime.Ops.Argmax(Stream, tensors.Make(c.X), tensors.Make(c.Indices));
    }

    internal sealed record Call(TensorSpec X, TensorSpec Indices);
}
