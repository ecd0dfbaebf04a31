using Qrt.Runtime.Tests.Support;
using static Qrt.Runtime.Tests.Ops.Core.CoreTesting;
using static Qrt.Runtime.Tests.Support.Rejection;
using static Qrt.Runtime.Tests.Support.TensorBits;
using static Qrt.Runtime.Tests.Support.TensorSpec;

namespace Qrt.Runtime.Tests.Ops.Core;

[TestFixture]
internal sealed class SoftmaxTests : CpuStreamFixture
{
    private static readonly Call ValidArguments = new(X: Zeros(DType.F32, 3, 7), Y: Zeros(DType.F32, 3, 7));

    private static readonly BadArgument<Call>[] BadCalls =
    [
        new("an integer x", c => c with { X = Zeros(DType.I32, 3, 7) }, "x"),
        new("an integer y", c => c with { Y = Zeros(DType.I32, 3, 7) }, "y"),
        new("a transposed y", c => c with { Y = Zeros(DType.F32, 7, 3) }, "y"),
    ];

    public static IEnumerable<TestCaseData> Cases() =>
        from kind in new[] { Kind.Softmax, Kind.LogSoftmax }
        from x in StorageFloatDTypes
        from y in StorageFloatDTypes
        from shape in new[] { Shape(1, 1), Shape(3, 7), Shape(17, 33), Shape(2, 3, 127), Shape(2, 5000) }
        select new TestCaseData(kind, x, y, shape);

    public static IEnumerable<TestCaseData> LargeMagnitudeRows() =>
        from kind in new[] { Kind.Softmax, Kind.LogSoftmax }
        from row in new (string Name, Func<TestData, float[]> Values)[]
        {
            ("around 1e6", data => data.Normal(127, 1000).Select(v => 1e6f + v).ToArray()),
            ("spread 1e4", data => data.Normal(127, 1e4)),
            ("±1e30 and 0", data => data.Integers(127, -1, 1).Select(v => v * 1e30f).ToArray()),
            ("all 3e38", data => Enumerable.Repeat(3e38f, 127).ToArray()),
            ("all -3e38", data => Enumerable.Repeat(-3e38f, 127).ToArray()),
        }
        select new TestCaseData(kind, row.Values).SetArgDisplayNames(kind.ToString(), row.Name);

    public static IEnumerable<TestCaseData> BadArguments() =>
        from kind in new[] { Kind.Softmax, Kind.LogSoftmax }
        from bad in BadCalls
        select new TestCaseData(kind, bad).SetArgDisplayNames(kind.ToString(), bad.ToString());

    [TestCaseSource(nameof(Cases))]
    public void Softmax_MatchesReference(Kind kind, DType xType, DType yType, long[] shape)
    {
        var x = Stored(xType, new TestData(101).Normal(Count(shape), 3.0));
        using var tx = Upload(xType, x, shape);
        using var ty = QrtTensor.Empty(yType, shape);

        Run(kind, tx, ty);

        AssertMatches(kind, Read(ty), x, (int)shape[^1], yType);
    }

    [TestCaseSource(nameof(LargeMagnitudeRows))]
    public void Softmax_StaysFinite_ForLargeMagnitudes(Kind kind, Func<TestData, float[]> row)
    {
        var x = row(new TestData(102));
        using var tx = Upload(DType.F32, x, 1, x.Length);
        using var ty = QrtTensor.Empty(DType.F32, [1, x.Length]);

        Run(kind, tx, ty);

        var actual = Read(ty);
        Assert.That(actual.Where(v => !float.IsFinite(v)), Is.Empty, "every output is finite");
        AssertMatches(kind, actual, x, x.Length, DType.F32);
    }

    [TestCase(Kind.Softmax)]
    [TestCase(Kind.LogSoftmax)]
    public void Softmax_GivesNoWeight_ToMaskedLogits(Kind kind)
    {
        var x = new TestData(104).Normal(3 * 33, 3.0);
        for (var i = 0; i < x.Length; i += 3)
        {
            x[i] = float.NegativeInfinity;
        }

        using var tx = Upload(DType.F32, x, 3, 33);
        using var ty = QrtTensor.Empty(DType.F32, [3, 33]);

        Run(kind, tx, ty);

        var actual = Read(ty);
        Assert.That(actual.Where((_, i) => i % 3 == 0), Is.All.EqualTo(kind == Kind.LogSoftmax ? float.NegativeInfinity : 0f), "masked positions");
        AssertMatches(kind, actual, x, 33, DType.F32);
    }

    [TestCase(Kind.Softmax, DType.F32)]
    [TestCase(Kind.LogSoftmax, DType.F32)]
    [TestCase(Kind.Softmax, DType.BF16)]
    [TestCase(Kind.LogSoftmax, DType.BF16)]
    public void Softmax_WorksInPlace_WhenYIsX(Kind kind, DType dtype)
    {
        var x = Stored(dtype, new TestData(103).Normal(7 * 33, 3.0));
        using var tx = Upload(dtype, x, 7, 33);

        Run(kind, tx, tx);

        AssertMatches(kind, Read(tx), x, 33, dtype);
    }

    [TestCase(Kind.Softmax)]
    [TestCase(Kind.LogSoftmax)]
    public void Softmax_AcceptsTheArguments_ThatEachBadArgumentCaseChanges(Kind kind) =>
        Assert.That(() => Invoke(kind, ValidArguments), Throws.Nothing);

    [TestCaseSource(nameof(BadArguments))]
    public void Softmax_Refuses(Kind kind, BadArgument<Call> bad)
    {
        AssertRejected(() => Invoke(kind, bad.Change(ValidArguments)), OpName(kind), bad.Argument);

        AssertAValidSoftmaxSucceeds(kind);
    }

    [TestCase(Kind.Softmax)]
    [TestCase(Kind.LogSoftmax)]
    public void Softmax_ThrowsObjectDisposed_ForADisposedTensor(Kind kind)
    {
        Assert.Throws<ObjectDisposedException>(() => Invoke(kind, ValidArguments with { Y = ValidArguments.Y.Disposed() }));

        AssertAValidSoftmaxSucceeds(kind);
    }

    public enum Kind
    {
        Softmax,
        LogSoftmax,
    }

    private static string OpName(Kind kind) => kind == Kind.LogSoftmax ? "qrt_log_softmax" : "qrt_softmax";

    private static void AssertMatches(Kind kind, float[] actual, float[] x, int width, DType yType)
    {
        var expected = new double[x.Length];
        for (var start = 0; start < x.Length; start += width)
        {
            var row = x.AsSpan(start, width).ToArray();
            var largest = row.Max(v => (double)v);
            var sum = row.Sum(v => Math.Exp(v - largest));
            for (var i = 0; i < width; i++)
            {
                var shifted = row[i] - largest;
                expected[start + i] = kind == Kind.LogSoftmax ? shifted - Math.Log(sum) : Math.Exp(shifted) / sum;
            }
        }

        if (kind == Kind.LogSoftmax)
        {
            // The FP32 sum of V exponentials is off by (V + 1)·2^-24 relative and log adds one ulp of log(V) at most:
            // an absolute error; x − max and the final difference round once each, relative to |y| ≥ |x − max|.
            var atol = (width + 1 + (2 * Math.Log(width))) * Fp32Unit;
            Tolerance.AssertClose(actual, expected, atol * (1 + StoreRounding(yType)), (2 * Fp32Unit) + StoreRounding(yType), $"log_softmax to {yType}");
        }
        else
        {
            // exp within one ulp, the FP32 sum of V terms and the division: (V + 4)·2^-24 relative; x − max rounded
            // shifts exp(d) by |d|·e^d·2^-24 ≤ 2^-24/e of the largest weight.
            var rtol = (width + 4) * Fp32Unit;
            Tolerance.AssertClose(actual, expected, Fp32Unit * (1 + StoreRounding(yType)), rtol + (StoreRounding(yType) * (1 + rtol)), $"softmax to {yType}");
        }
    }

    private void Run(Kind kind, QrtTensor x, QrtTensor y)
    {
        if (kind == Kind.LogSoftmax)
        {
            Qrt.Runtime.Ops.LogSoftmax(Stream, x, y);
        }
        else
        {
            Qrt.Runtime.Ops.Softmax(Stream, x, y);
        }
    }

    private void AssertAValidSoftmaxSucceeds(Kind kind)
    {
        using var x = Upload(DType.F32, [5f, 5f, 5f, 5f], 1, 4);
        using var y = QrtTensor.Empty(DType.F32, [1, 4]);
        Run(kind, x, y);
        // Four equal logits: 1/4 each, or log(1/4); exact in FP32 up to the last bit of the logarithm.
        var expected = Enumerable.Repeat(kind == Kind.LogSoftmax ? Math.Log(0.25) : 0.25, 4).ToArray();
        Tolerance.AssertClose(Read(y), expected, 0, 2 * Fp32Unit, "a valid call on the same stream after the failure");
    }

    private void Invoke(Kind kind, Call c)
    {
        using var tensors = new TensorScope();
        Run(kind, tensors.Make(c.X), tensors.Make(c.Y));
    }

    internal sealed record Call(TensorSpec X, TensorSpec Y);
}
