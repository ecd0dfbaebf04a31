using NUnit.Framework;
using Qrt.Runtime.Tests.Support;
using static Qrt.Runtime.Tests.Support.TensorSpec;

namespace Qrt.Runtime.Tests.Ops.Gemm;

[TestFixture]
internal sealed class GemmTests : CpuStreamFixture
{
    private const string Op = "qrt_gemm";

    private static readonly DType[] FloatTypes = [DType.F32, DType.F16, DType.BF16];

    private static readonly int[] Rows = [1, 3, 7, 33];

    private static readonly (int N, int K)[] Sizes = [(1, 1), (17, 33), (64, 127), (256, 96)];

    private static readonly Call ValidArguments = new(
        X: Zeros(DType.F32, 2, 4),
        W: Zeros(DType.F32, 3, 4),
        Bias: null,
        Y: Zeros(DType.F32, 2, 3));

    public static IEnumerable<TestCaseData> EveryCombination() =>
        from xType in FloatTypes
        from wType in FloatTypes
        from yType in new[] { DType.F32, DType.BF16 }
        from withBias in new[] { false, true }
        from m in Rows
        from size in Sizes
        select new TestCaseData(xType, wType, yType, withBias, m, size.N, size.K);

    public static IEnumerable<TestCaseData> StridedCases() =>
        from xType in FloatTypes
        from m in Rows
        from size in Sizes
        select new TestCaseData(xType, m, size.N, size.K);

    public static IEnumerable<TestCaseData> BadArguments() => BadArgument.Cases<Call>(
        new("an integer weight", c => c with { W = Zeros(DType.I8, 3, 4) }, "w"),
        new("a weight of another width", c => c with { W = Zeros(DType.F32, 3, 5) }, "w"),
        new("a bias of the wrong length", c => c with { Bias = Zeros(DType.F32, 4) }, "bias"),
        new("an output of the wrong shape", c => c with { Y = Zeros(DType.F32, 2, 4) }, "y"),
        new("an integer output", c => c with { Y = Zeros(DType.I32, 2, 3) }, "y"),
        new("column-strided activations", c => c with { X = Zeros(DType.F32, 2, 4).WithStrides(8, 2) }, "x"));

    [TestCaseSource(nameof(EveryCombination))]
    public void Gemm_MatchesReference_ForEveryDTypeShapeAndBias(DType xType, DType wType, DType yType, bool withBias, int m, int n, int k)
    {
        var data = new TestData(TensorCodec.Seed((int)xType, (int)wType, (int)yType, withBias ? 1 : 0, m, n, k));
        var x = TensorCodec.Values(data, xType, m * k);
        var w = TensorCodec.Values(data, wType, n * k);
        var bias = withBias ? TensorCodec.Values(data, wType, n) : null;
        using var xt = TensorBits.Upload(xType, x, m, k);
        using var wt = TensorBits.Upload(wType, w, n, k);
        using var bt = bias is null ? null : TensorBits.Upload(wType, bias, n);
        using var yt = QrtTensor.Empty(yType, [m, n]);

        Qrt.Runtime.Ops.Gemm(Stream, xt, wt, bt, yt);

        var expected = GemmReference.Linear(x.AsDoubles(), w.AsDoubles(), m, n, k, bias?.AsDoubles());
        // FP32 accumulation over K products, one more rounding for the bias add, then rounding to y's dtype.
        GemmReference.AssertMatches(yt, expected, k, 1, "y");
    }

    [TestCaseSource(nameof(StridedCases))]
    public void Gemm_ReadsAndWritesOnlyTheirRows_ForRowStridedViews(DType xType, int m, int n, int k)
    {
        const int pad = 5;
        var data = new TestData(TensorCodec.Seed((int)xType, m, n, k, pad));
        var x = TensorCodec.Values(data, xType, m * k);
        var w = TensorCodec.Values(data, DType.BF16, n * k);
        var wide = new float[m * (k + pad)];
        Array.Fill(wide, float.NaN);
        for (var r = 0; r < m; r++)
        {
            Array.Copy(x, r * k, wide, (r * (k + pad)) + 2, k);
        }

        using var xWide = TensorBits.Upload(xType, wide, m, k + pad);
        using var xView = xWide.Slice(1, 2, k);
        using var wt = TensorBits.Upload(DType.BF16, w, n, k);
        using var yWide = TensorBits.Upload(DType.F32, Enumerable.Repeat(-7f, m * (n + pad)).ToArray(), m, n + pad);
        using var yView = yWide.Slice(1, pad, n);

        Qrt.Runtime.Ops.Gemm(Stream, xView, wt, null, yView);

        var expected = GemmReference.Linear(x.AsDoubles(), w.AsDoubles(), m, n, k);
        // FP32 accumulation over K products into an F32 y: (K + 1)·2^-24·Σ|x·w|.
        GemmReference.AssertMatches(yView, expected, k, 0, "y view");
        var all = yWide.ToArray<float>();
        Assert.That(
            Enumerable.Range(0, all.Length).Where(i => i % (n + pad) < pad).Select(i => all[i]),
            Is.All.EqualTo(-7f),
            "y columns outside the view");
    }

    [Test]
    public void Gemm_FlattensLeadingDimensions_OfRank3Activations()
    {
        const int k = 19, n = 5;
        var data = new TestData(3);
        var x = TensorCodec.Values(data, DType.F32, 2 * 3 * k);
        var w = TensorCodec.Values(data, DType.F32, n * k);
        using var xt = TensorBits.Upload(DType.F32, x, 2, 3, k);
        using var wt = TensorBits.Upload(DType.F32, w, n, k);
        using var yt = QrtTensor.Empty(DType.F32, [2, 3, n]);

        Qrt.Runtime.Ops.Gemm(Stream, xt, wt, null, yt);

        // FP32 accumulation over K products into an F32 y.
        GemmReference.AssertMatches(yt, GemmReference.Linear(x.AsDoubles(), w.AsDoubles(), 6, n, k), k, 0, "y");
    }

    [Test]
    public void Gemm_AcceptsTheArguments_ThatEachBadArgumentCaseChanges() =>
        Assert.That(() => Invoke(ValidArguments), Throws.Nothing);

    [TestCaseSource(nameof(BadArguments))]
    public void Gemm_Rejects(BadArgument<Call> bad) =>
        Rejection.AssertNamesArgument(() => Invoke(bad.Change(ValidArguments)), Op, bad.Argument, ValidCall);

    [Test]
    public void Gemm_ThrowsObjectDisposed_ForADisposedWeight() =>
        Rejection.AssertDisposed(() => Invoke(ValidArguments with { W = ValidArguments.W.Disposed() }), ValidCall);

    private void ValidCall()
    {
        using var x = TensorBits.Upload(DType.F32, [1, 2, 3, 4, 5, 6], 2, 3);
        using var w = TensorBits.Upload(DType.F32, [1, 0, -1, 2, 2, 2], 2, 3);
        using var y = QrtTensor.Empty(DType.F32, [2, 2]);
        Qrt.Runtime.Ops.Gemm(Stream, x, w, null, y);
        Assert.That(y.ToArray<float>(), Is.EqualTo(new[] { -2f, 12f, -2f, 30f }));
    }

    private void Invoke(Call c)
    {
        using var tensors = new TensorScope();
        Qrt.Runtime.Ops.Gemm(Stream, tensors.Make(c.X), tensors.Make(c.W), tensors.Make(c.Bias), tensors.Make(c.Y));
    }

    internal sealed record Call(TensorSpec X, TensorSpec W, TensorSpec? Bias, TensorSpec Y);
}
