using NUnit.Framework;
using Qrt.Runtime.Tests.Support;
using static Qrt.Runtime.Tests.Support.TensorSpec;

namespace Qrt.Runtime.Tests.Ops.Gemm;

[TestFixture]
internal sealed class GemmW8A8Int8Tests : CpuStreamFixture
{
    private const string Op = "qrt_gemm_w8a8_int8";

    private static readonly Call ValidArguments = new(
        A: Zeros(DType.I8, 2, 4),
        AScale: Values(DType.F32, [1f], 1),
        AZeroPoint: null,
        W: Zeros(DType.I8, 3, 4),
        WScale: Values(DType.F32, [1f], 1),
        Bias: null,
        Y: Zeros(DType.F32, 2, 3));

    public static IEnumerable<TestCaseData> Options() =>
        from perToken in new[] { false, true }
        from weightScale in Enum.GetValues<WeightScaleLayout>()
        from wScaleType in new[] { DType.F32, DType.BF16 }
        from zeroPoint in new int?[] { null, 13 }
        from biasType in new DType?[] { null, DType.F32, DType.BF16 }
        from yType in new[] { DType.F32, DType.BF16 }
        select new TestCaseData(perToken, weightScale, wScaleType, zeroPoint, biasType, yType);

    public static IEnumerable<TestCaseData> Shapes() =>
        from m in new[] { 1, 3, 7, 33 }
        from size in new[] { (N: 1, K: 1), (N: 17, K: 33), (N: 64, K: 127), (N: 256, K: 96) }
        select new TestCaseData(m, size.N, size.K);

    public static IEnumerable<TestCaseData> BadArguments() => BadArgument.Cases<Call>(
        new("float activations", c => c with { A = Zeros(DType.F32, 2, 4) }, "a"),
        new("an fp8 weight", c => c with { W = Zeros(DType.F8E4M3, 3, 4) }, "w"),
        new("a weight of another width", c => c with { W = Zeros(DType.I8, 3, 5) }, "w"),
        new("weight scales of the wrong count", c => c with { WScale = Values(DType.F32, [1f, 1f], 2) }, "w_scale"),
        new("activation scales of the wrong count", c => c with { AScale = Values(DType.F32, [1f, 1f, 1f], 3) }, "a_scale"),
        new("a bf16 activation scale", c => c with { AScale = Values(DType.BF16, [1f], 1) }, "a_scale"),
        new("a zero point of two elements", c => c with { AZeroPoint = Values([1, 2], 2) }, "a_zero_point"));

    [TestCaseSource(nameof(Options))]
    public void GemmW8A8Int8_MatchesReference_ForEveryScaleZeroPointAndBiasOption(
        bool perToken, WeightScaleLayout weightScale, DType wScaleType, int? zeroPoint, DType? biasType, DType yType) =>
        Run(7, 33, 127, perToken, weightScale, wScaleType, zeroPoint, biasType, yType);

    [TestCaseSource(nameof(Shapes))]
    public void GemmW8A8Int8_MatchesReference_ForOddShapes(int m, int n, int k) =>
        Run(m, n, k, perToken: true, WeightScaleLayout.PerChannel, DType.F32, -5, DType.F32, DType.F32);

    [TestCase(null)]
    [TestCase(100)]
    public void GemmW8A8Int8_AccumulatesExactly_WhenFp32SumsWouldLoseTheResult(int? zeroPoint)
    {
        // Row 0 · weight 0 = 127²·L + S − 127²·L = S: the ±127² runs pass 2^31 (int32 overflow) and leave the S unit
        // products far below an FP32 ulp of the running sum. Row 1 · weight 1 = 128²·K overflows int32 outright.
        const int l = 140_000, s = 1001, k = (2 * l) + s;
        var a = new sbyte[2 * k];
        var w = new sbyte[2 * k];
        for (var i = 0; i < k; i++)
        {
            var middle = i >= l && i < l + s;
            a[i] = middle ? (sbyte)1 : (sbyte)127;
            w[i] = middle ? (sbyte)1 : i < l ? (sbyte)127 : (sbyte)-127;
            a[k + i] = -128;
            w[k + i] = -128;
        }

        using var at = QrtTensor.FromData<sbyte>(a, DType.I8, [2, k]);
        using var aScale = TensorBits.Upload(DType.F32, [1f], 1);
        using var zero = zeroPoint is null ? null : QrtTensor.FromData<int>([zeroPoint.Value], DType.I32, [1]);
        using var wt = QrtTensor.FromData<sbyte>(w, DType.I8, [2, k]);
        using var wScale = TensorBits.Upload(DType.F32, [1f], 1);
        using var y = QrtTensor.Empty(DType.F32, [2, 2]);

        Qrt.Runtime.Ops.GemmW8A8Int8(Stream, at, aScale, zero, wt, wScale, null, y);

        var expected = GemmReference.ExactInt8Sums(a, w, 2, 2, k, zeroPoint ?? 0).Select(v => (double)v).ToArray();
        Assert.That(expected[0], Is.EqualTo(s - ((zeroPoint ?? 0) * (double)s)), "the constructed sum");
        // With unit scales the exact integer sum converted to FP32 is the only rounding: 2^-24 relative, 0 for small sums.
        Tolerance.AssertClose(y.ToArray<float>(), expected, 0, GemmReference.Fp32Unit, "y");
    }

    [Test]
    public void GemmW8A8Int8_AcceptsTheArguments_ThatEachBadArgumentCaseChanges() =>
        Assert.That(() => Invoke(ValidArguments), Throws.Nothing);

    [TestCaseSource(nameof(BadArguments))]
    public void GemmW8A8Int8_Rejects(BadArgument<Call> bad) =>
        Rejection.AssertNamesArgument(() => Invoke(bad.Change(ValidArguments)), Op, bad.Argument, ValidCall);

    [Test]
    public void GemmW8A8Int8_ThrowsObjectDisposed_ForADisposedWeight() =>
        Rejection.AssertDisposed(() => Invoke(ValidArguments with { W = ValidArguments.W.Disposed() }), ValidCall);

    private void Run(int m, int n, int k, bool perToken, WeightScaleLayout weightScale, DType wScaleType, int? zeroPoint, DType? biasType, DType yType)
    {
        var data = new TestData(TensorCodec.Seed(m, n, k, perToken ? 1 : 0, (int)weightScale, (int)wScaleType, zeroPoint ?? 1000, (int?)biasType ?? 99, (int)yType));
        var a = data.Integers(m * k, -128, 127).Select(v => (sbyte)v).ToArray();
        var w = data.Integers(n * k, -128, 127).Select(v => (sbyte)v).ToArray();
        var aScales = TensorCodec.Values(data, DType.F32, perToken ? m : 1, 0.001f, 0.01f);
        var wScales = TensorCodec.Values(data, wScaleType, weightScale == WeightScaleLayout.PerTensor ? 1 : n, 0.001f, 0.01f);
        var bias = biasType is null ? null : TensorCodec.Values(data, biasType.Value, n, -2f, 2f);

        using var at = QrtTensor.FromData<sbyte>(a, DType.I8, [m, k]);
        using var aScale = TensorBits.Upload(DType.F32, aScales, aScales.Length);
        using var zero = zeroPoint is null ? null : QrtTensor.FromData<int>([zeroPoint.Value], DType.I32, [1]);
        using var wt = QrtTensor.FromData<sbyte>(w, DType.I8, [n, k]);
        using var wScale = TensorBits.Upload(wScaleType, wScales, weightScale.Shape(n));
        using var bt = biasType is null ? null : TensorBits.Upload(biasType.Value, bias!, n);
        using var y = QrtTensor.Empty(yType, [m, n]);

        Qrt.Runtime.Ops.GemmW8A8Int8(Stream, at, aScale, zero, wt, wScale, bt, y);

        var expected = GemmReference.ScaledSums(GemmReference.ExactInt8Sums(a, w, m, n, k, zeroPoint ?? 0), m, n, aScales.AsDoubles(), wScales.AsDoubles(), bias?.AsDoubles());
        // Exact integer sum; its conversion to FP32, the scale product, the scaling and the bias add round once each.
        GemmReference.AssertMatches(y, expected, 0, 3, "y");
    }

    private void ValidCall()
    {
        using var a = QrtTensor.FromData<sbyte>([1, 2, 3, -4], DType.I8, [2, 2]);
        using var aScale = TensorBits.Upload(DType.F32, [0.5f, 2f], 2);
        using var w = QrtTensor.FromData<sbyte>([10, -1], DType.I8, [1, 2]);
        using var wScale = TensorBits.Upload(DType.F32, [1f], 1);
        using var y = QrtTensor.Empty(DType.F32, [2, 1]);
        Qrt.Runtime.Ops.GemmW8A8Int8(Stream, a, aScale, null, w, wScale, null, y);
        Assert.That(y.ToArray<float>(), Is.EqualTo(new[] { 4f, 68f }));
    }

    private void Invoke(Call c)
    {
        using var tensors = new TensorScope();
        Qrt.Runtime.Ops.GemmW8A8Int8(
            Stream,
            tensors.Make(c.A),
            tensors.Make(c.AScale),
            tensors.Make(c.AZeroPoint),
            tensors.Make(c.W),
            tensors.Make(c.WScale),
            tensors.Make(c.Bias),
            tensors.Make(c.Y));
    }

    internal sealed record Call(
        TensorSpec A, TensorSpec AScale, TensorSpec? AZeroPoint, TensorSpec W, TensorSpec WScale, TensorSpec? Bias, TensorSpec Y);
}
