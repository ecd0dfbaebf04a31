using NUnit.Framework;
using Qrt.Runtime.Tests.Support;
using static Qrt.Runtime.Tests.Support.TensorSpec;

namespace Qrt.Runtime.Tests.Ops.Gemm;

[TestFixture]
internal sealed class GemmW8A8Fp8Tests : CpuStreamFixture
{
    private const string Op = "qrt_gemm_w8a8_fp8";

    private static readonly Call ValidArguments = new(
        A: Zeros(DType.F8E4M3, 2, 4),
        AScale: Values(DType.F32, [1f], 1),
        W: Zeros(DType.F8E4M3, 3, 4),
        WScale: Values(DType.F32, [1f], 1),
        Bias: null,
        Y: Zeros(DType.F32, 2, 3));

    public static IEnumerable<TestCaseData> Options() =>
        from perToken in new[] { false, true }
        from weightScale in Enum.GetValues<WeightScaleLayout>()
        from wScaleType in new[] { DType.F32, DType.BF16, DType.F16 }
        from biasType in new DType?[] { null, DType.F32, DType.BF16 }
        from yType in new[] { DType.F32, DType.BF16 }
        select new TestCaseData(perToken, weightScale, wScaleType, biasType, yType);

    public static IEnumerable<TestCaseData> Shapes() =>
        from m in new[] { 1, 3, 7, 33 }
        from size in new[] { (N: 1, K: 1), (N: 17, K: 33), (N: 64, K: 127), (N: 256, K: 96) }
        select new TestCaseData(m, size.N, size.K);

    public static IEnumerable<TestCaseData> BadArguments() => BadArgument.Cases<Call>(
        new("int8 activations", c => c with { A = Zeros(DType.I8, 2, 4) }, "a"),
        new("an int8 weight", c => c with { W = Zeros(DType.I8, 3, 4) }, "w"),
        new("a weight of another width", c => c with { W = Zeros(DType.F8E4M3, 3, 3) }, "w"),
        new("weight scales of the wrong count", c => c with { WScale = Values(DType.F32, [1f, 1f, 1f, 1f], 4) }, "w_scale"),
        new("activation scales of the wrong count", c => c with { AScale = Values(DType.F32, [1f, 1f, 1f], 3) }, "a_scale"));

    [TestCaseSource(nameof(Options))]
    public void GemmW8A8Fp8_MatchesReference_ForEveryScaleAndBiasOption(
        bool perToken, WeightScaleLayout weightScale, DType wScaleType, DType? biasType, DType yType) =>
        Run(7, 33, 127, perToken, weightScale, wScaleType, biasType, yType);

    [TestCaseSource(nameof(Shapes))]
    public void GemmW8A8Fp8_MatchesReference_ForOddShapes(int m, int n, int k) =>
        Run(m, n, k, perToken: true, WeightScaleLayout.PerChannel, DType.BF16, DType.BF16, DType.BF16);

    [Test]
    public void GemmW8A8Fp8_AcceptsTheArguments_ThatEachBadArgumentCaseChanges() =>
        Assert.That(() => Invoke(ValidArguments), Throws.Nothing);

    [TestCaseSource(nameof(BadArguments))]
    public void GemmW8A8Fp8_Rejects(BadArgument<Call> bad) =>
        Rejection.AssertNamesArgument(() => Invoke(bad.Change(ValidArguments)), Op, bad.Argument, ValidCall);

    [Test]
    public void GemmW8A8Fp8_ThrowsObjectDisposed_ForDisposedActivations() =>
        Rejection.AssertDisposed(() => Invoke(ValidArguments with { A = ValidArguments.A.Disposed() }), ValidCall);

    private void Run(int m, int n, int k, bool perToken, WeightScaleLayout weightScale, DType wScaleType, DType? biasType, DType yType)
    {
        var data = new TestData(TensorCodec.Seed(m, n, k, perToken ? 1 : 0, (int)weightScale, (int)wScaleType, (int?)biasType ?? 99, (int)yType, 8));
        var a = TensorCodec.Fp8Codes(data, m * k);
        var w = TensorCodec.Fp8Codes(data, n * k);
        var aScales = TensorCodec.Values(data, DType.F32, perToken ? m : 1, 0.001f, 0.01f);
        var wScales = TensorCodec.Values(data, wScaleType, weightScale.Count(n), 0.001f, 0.01f);
        var bias = biasType is null ? null : TensorCodec.Values(data, biasType.Value, n, -2f, 2f);

        using var at = QrtTensor.FromData<byte>(a, DType.F8E4M3, [m, k]);
        using var aScale = TensorBits.Upload(DType.F32, aScales, aScales.Length);
        using var wt = QrtTensor.FromData<byte>(w, DType.F8E4M3, [n, k]);
        using var wScale = TensorBits.Upload(wScaleType, wScales, weightScale.Shape(n));
        using var bt = biasType is null ? null : TensorBits.Upload(biasType.Value, bias!, n);
        using var y = QrtTensor.Empty(yType, [m, n]);

        Qrt.Runtime.Ops.GemmW8A8Fp8(Stream, at, aScale, wt, wScale, bt, y);

        var expected = GemmReference.Linear(
            ActivationQuantReference.Decode(a), ActivationQuantReference.Decode(w), m, n, k, bias?.AsDoubles(), aScales.AsDoubles(), wScales.AsDoubles());
        // FP32 accumulation of exact FP8 products over K, then the scale product, the scaling and the bias add.
        GemmReference.AssertMatches(y, expected, k, 3, "y");
    }

    private void ValidCall()
    {
        using var a = QrtTensor.FromData<byte>([0x38, 0x40], DType.F8E4M3, [1, 2]);
        using var aScale = TensorBits.Upload(DType.F32, [0.5f], 1);
        using var w = QrtTensor.FromData<byte>([0x40, 0x38], DType.F8E4M3, [1, 2]);
        using var wScale = TensorBits.Upload(DType.F32, [3f], 1);
        using var y = QrtTensor.Empty(DType.F32, [1, 1]);
        Qrt.Runtime.Ops.GemmW8A8Fp8(Stream, a, aScale, w, wScale, null, y);
        Assert.That(y.ToArray<float>(), Is.EqualTo(new[] { 6f }));
    }

    private void Invoke(Call c)
    {
        using var tensors = new TensorScope();
        Qrt.Runtime.Ops.GemmW8A8Fp8(
            Stream, tensors.Make(c.A), tensors.Make(c.AScale), tensors.Make(c.W), tensors.Make(c.WScale), tensors.Make(c.Bias), tensors.Make(c.Y));
    }

    internal sealed record Call(TensorSpec A, TensorSpec AScale, TensorSpec W, TensorSpec WScale, TensorSpec? Bias, TensorSpec Y);
}
