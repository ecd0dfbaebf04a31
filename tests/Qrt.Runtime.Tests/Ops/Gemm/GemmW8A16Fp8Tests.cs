using NUnit.Framework;
using Qrt.Runtime.Tests.Support;
using static Qrt.Runtime.Tests.Support.TensorSpec;

namespace Qrt.Runtime.Tests.Ops.Gemm;

[TestFixture]
internal sealed class GemmW8A16Fp8Tests : CpuStreamFixture
{
    private const string Op = "qrt_gemm_w8a16_fp8";

    private static readonly Call ValidArguments = new(
        X: Zeros(DType.F32, 2, 4),
        W: Zeros(DType.F8E4M3, 3, 4),
        WScale: Values(DType.F32, [1f], 1),
        Bias: null,
        Y: Zeros(DType.F32, 2, 3));

    public static IEnumerable<TestCaseData> Options() =>
        from xType in new[] { DType.F32, DType.F16, DType.BF16 }
        from weightScale in Enum.GetValues<WeightScaleLayout>()
        from wScaleType in new[] { DType.F32, DType.BF16 }
        from biasType in new DType?[] { null, DType.BF16 }
        from yType in new[] { DType.F32, DType.BF16 }
        select new TestCaseData(xType, weightScale, wScaleType, biasType, yType);

    public static IEnumerable<TestCaseData> Shapes() =>
        from m in new[] { 1, 3, 7, 33 }
        from size in new[] { (N: 1, K: 1), (N: 17, K: 33), (N: 64, K: 127), (N: 256, K: 96) }
        select new TestCaseData(m, size.N, size.K);

    public static IEnumerable<TestCaseData> BadArguments() => BadArgument.Cases<Call>(
        new("a bf16 weight", c => c with { W = Zeros(DType.BF16, 3, 4) }, "w"),
        new("fp8 activations", c => c with { X = Zeros(DType.F8E4M3, 2, 4) }, "x"),
        new("a weight of another width", c => c with { W = Zeros(DType.F8E4M3, 3, 8) }, "w"),
        new("weight scales of the wrong count", c => c with { WScale = Values(DType.F32, [1f, 1f], 1, 2) }, "w_scale"),
        new("an integer weight scale", c => c with { WScale = Zeros(DType.I32, 3) }, "w_scale"));

    [TestCaseSource(nameof(Options))]
    public void GemmW8A16Fp8_MatchesReference_ForEveryDTypeScaleAndBiasOption(
        DType xType, WeightScaleLayout weightScale, DType wScaleType, DType? biasType, DType yType) =>
        Run(7, 33, 127, xType, weightScale, wScaleType, biasType, yType);

    [TestCaseSource(nameof(Shapes))]
    public void GemmW8A16Fp8_MatchesReference_ForOddShapes(int m, int n, int k) =>
        Run(m, n, k, DType.BF16, WeightScaleLayout.PerChannelColumn, DType.F32, DType.F32, DType.BF16);

    [Test]
    public void GemmW8A16Fp8_AcceptsTheArguments_ThatEachBadArgumentCaseChanges() =>
        Assert.That(() => Invoke(ValidArguments), Throws.Nothing);

    [TestCaseSource(nameof(BadArguments))]
    public void GemmW8A16Fp8_Rejects(BadArgument<Call> bad) =>
        Rejection.AssertNamesArgument(() => Invoke(bad.Change(ValidArguments)), Op, bad.Argument, ValidCall);

    [Test]
    public void GemmW8A16Fp8_ThrowsObjectDisposed_ForADisposedOutput() =>
        Rejection.AssertDisposed(() => Invoke(ValidArguments with { Y = ValidArguments.Y.Disposed() }), ValidCall);

    private void Run(int m, int n, int k, DType xType, WeightScaleLayout weightScale, DType wScaleType, DType? biasType, DType yType)
    {
        var data = new TestData(TensorCodec.Seed(m, n, k, (int)xType, (int)weightScale, (int)wScaleType, (int?)biasType ?? 99, (int)yType, 16));
        var x = TensorCodec.Values(data, xType, m * k);
        var w = TensorCodec.Fp8Codes(data, n * k);
        var wScales = TensorCodec.Values(data, wScaleType, weightScale.Count(n), 0.001f, 0.01f);
        var bias = biasType is null ? null : TensorCodec.Values(data, biasType.Value, n);

        using var xt = TensorBits.Upload(xType, x, m, k);
        using var wt = QrtTensor.FromData<byte>(w, DType.F8E4M3, [n, k]);
        using var wScale = TensorBits.Upload(wScaleType, wScales, weightScale.Shape(n));
        using var bt = biasType is null ? null : TensorBits.Upload(biasType.Value, bias!, n);
        using var y = QrtTensor.Empty(yType, [m, n]);

        Qrt.Runtime.Ops.GemmW8A16Fp8(Stream, xt, wt, wScale, bt, y);

        var expected = GemmReference.Linear(x.AsDoubles(), ActivationQuantReference.Decode(w), m, n, k, bias?.AsDoubles(), colScale: wScales.AsDoubles());
        // FP32 accumulation over K products, then the weight scaling and the bias add.
        GemmReference.AssertMatches(y, expected, k, 2, "y");
    }

    private void ValidCall()
    {
        using var x = TensorBits.Upload(DType.F32, [1.5f, -2], 1, 2);
        using var w = QrtTensor.FromData<byte>([0x40, 0x38], DType.F8E4M3, [1, 2]);
        using var wScale = TensorBits.Upload(DType.F32, [0.25f], 1);
        using var y = QrtTensor.Empty(DType.F32, [1, 1]);
        Qrt.Runtime.Ops.GemmW8A16Fp8(Stream, x, w, wScale, null, y);
        Assert.That(y.ToArray<float>(), Is.EqualTo(new[] { 0.25f }));
    }

    private void Invoke(Call c)
    {
        using var tensors = new TensorScope();
        Qrt.Runtime.Ops.GemmW8A16Fp8(Stream, tensors.Make(c.X), tensors.Make(c.W), tensors.Make(c.WScale), tensors.Make(c.Bias), tensors.Make(c.Y));
    }

    internal sealed record Call(TensorSpec X, TensorSpec W, TensorSpec WScale, TensorSpec? Bias, TensorSpec Y);
}
