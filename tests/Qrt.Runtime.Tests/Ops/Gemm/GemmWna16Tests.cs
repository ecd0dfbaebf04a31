using NUnit.Framework;
using Qrt.Runtime.Tests.Support;
using static Qrt.Runtime.Tests.Support.TensorSpec;

namespace Qrt.Runtime.Tests.Ops.Gemm;

[TestFixture]
internal sealed class GemmWna16Tests : CpuStreamFixture
{
    private const string Op = "qrt_gemm_wna16";

    // K = 203 is a multiple of neither 8 nor any group size; N = 13 fills no whole word of zero points.
    private const int OddK = 203;
    private const int OddN = 13;

    private static readonly DType[] FloatTypes = [DType.F32, DType.F16, DType.BF16];

    private static readonly Call ValidArguments = new(
        X: Zeros(DType.F32, 2, 16),
        Packed: Zeros(DType.I32, 3, 2),
        Scale: Zeros(DType.F32, 3, 1),
        ZeroPoint: null,
        GroupIndex: null,
        Bits: 4,
        GroupSize: 0,
        Y: Zeros(DType.F32, 2, 3));

    public static IEnumerable<TestCaseData> Layouts() =>
        from bits in new[] { 4, 8 }
        from groupSize in new[] { 32, 64, 128, 0 }
        from symmetric in new[] { true, false }
        select new TestCaseData(bits, groupSize, symmetric);

    public static IEnumerable<TestCaseData> DTypes() =>
        from xType in FloatTypes
        from scaleType in FloatTypes
        from yType in new[] { DType.F32, DType.BF16 }
        select new TestCaseData(xType, scaleType, yType);

    public static IEnumerable<TestCaseData> Shapes() =>
        from bits in new[] { 4, 8 }
        from shape in new[] { (M: 1, N: 1, K: 1), (M: 3, N: 17, K: 33), (M: 7, N: 64, K: 127), (M: 33, N: 256, K: 96) }
        select new TestCaseData(bits, shape.M, shape.N, shape.K);

    public static IEnumerable<TestCaseData> ActOrders() =>
        from bits in new[] { 4, 8 }
        from groupSize in new[] { 32, 128 }
        from symmetric in new[] { true, false }
        select new TestCaseData(bits, groupSize, symmetric);

    public static IEnumerable<TestCaseData> BadArguments() => BadArgument.Cases<Call>(
        new("a float packed weight", c => c with { Packed = Zeros(DType.F32, 3, 2) }, "weight_packed"),
        new("activations of another width", c => c with { X = Zeros(DType.F32, 2, 17) }, "weight_packed"),
        new("a scale with the wrong group count", c => c with { Scale = Zeros(DType.F32, 3, 2), GroupSize = 16 }, "weight_scale"),
        new("an integer scale", c => c with { Scale = Zeros(DType.I32, 3, 1) }, "weight_scale"),
        new("zero points of the wrong shape", c => NineChannels(c) with { ZeroPoint = Zeros(DType.I32, 1, 1) }, "weight_zero_point"),
        new("3 bits", c => c with { Bits = 3 }, "num_bits"),
        new("2 bits", c => c with { Bits = 2 }, "num_bits"),
        new("16 bits", c => c with { Bits = 16 }, "num_bits"),
        new("a negative group size", c => c with { GroupSize = -8 }, "group_size"),
        new("a group index past the last group", c => ActOrdered(c, OneColumnInGroup(2)), "weight_g_idx"),
        new("a negative group index", c => ActOrdered(c, OneColumnInGroup(-1)), "weight_g_idx"),
        new("a group index of the wrong length", c => ActOrdered(c, Zeros(DType.I32, 15)), "weight_g_idx"));

    [TestCaseSource(nameof(Layouts))]
    public void GemmWna16_MatchesReference_ForEveryBitWidthGroupSizeAndZeroPoint(int bits, int groupSize, bool symmetric) =>
        Run(new Case(bits, groupSize, symmetric, ActOrder: false, DType.F32, DType.F32, DType.F32, WithBias: true, 3, OddN, OddK));

    [TestCaseSource(nameof(DTypes))]
    public void GemmWna16_MatchesReference_ForEveryActivationScaleAndOutputDType(DType xType, DType scaleType, DType yType) =>
        Run(new Case(4, 64, Symmetric: false, ActOrder: false, xType, scaleType, yType, WithBias: true, 7, OddN, OddK));

    [TestCaseSource(nameof(Shapes))]
    public void GemmWna16_MatchesReference_ForOddShapes(int bits, int m, int n, int k) =>
        Run(new Case(bits, 32, Symmetric: false, ActOrder: false, DType.BF16, DType.BF16, DType.F32, WithBias: false, m, n, k));

    [TestCaseSource(nameof(ActOrders))]
    public void GemmWna16_MatchesReference_WithAPermutedGroupIndex(int bits, int groupSize, bool symmetric) =>
        Run(new Case(bits, groupSize, symmetric, ActOrder: true, DType.F32, DType.BF16, DType.F32, WithBias: true, 5, OddN, OddK));

    [Test]
    public void GemmWna16_AcceptsTheArguments_ThatEachBadArgumentCaseChanges() =>
        Assert.That(() => Invoke(ValidArguments), Throws.Nothing);

    [TestCaseSource(nameof(BadArguments))]
    public void GemmWna16_Rejects(BadArgument<Call> bad) =>
        Rejection.AssertNamesArgument(() => Invoke(bad.Change(ValidArguments)), Op, bad.Argument, ValidCall);

    [Test]
    public void GemmWna16_ThrowsObjectDisposed_ForADisposedScale() =>
        Rejection.AssertDisposed(() => Invoke(ValidArguments with { Scale = ValidArguments.Scale.Disposed() }), ValidCall);

    private void Run(Case c)
    {
        var data = new TestData(TensorCodec.Seed(
            c.Bits, c.GroupSize, c.Symmetric ? 1 : 0, c.ActOrder ? 1 : 0, (int)c.XType, (int)c.ScaleType, (int)c.YType, c.M, c.N, c.K));
        var groups = c.GroupSize == 0 ? 1 : (c.K + c.GroupSize - 1) / c.GroupSize;
        var qmin = -(1 << (c.Bits - 1));
        var qmax = (1 << (c.Bits - 1)) - 1;
        var q = data.Integers(c.N * c.K, qmin, qmax);
        var zeros = c.Symmetric ? new int[c.N * groups] : data.Integers(c.N * groups, qmin, qmax);
        var scales = TensorCodec.Values(data, c.ScaleType, c.N * groups, 0.005f, 0.05f);
        var gIdx = c.ActOrder ? data.Permutation(c.K).Select(column => column / c.GroupSize).ToArray() : null;
        var x = TensorCodec.Values(data, c.XType, c.M * c.K);
        var bias = c.WithBias ? TensorCodec.Values(data, DType.F32, c.N) : null;

        var perWord = PackedIntReference.ValuesPerWord(c.Bits);
        using var packed = QrtTensor.FromData<int>(PackedIntReference.PackAlongRows(q, c.N, c.K, c.Bits), DType.I32, [c.N, PackedIntReference.WordCount(c.K, c.Bits)]);
        using var scale = TensorBits.Upload(c.ScaleType, scales, c.N, groups);
        using var zero = c.Symmetric ? null : QrtTensor.FromData<int>(PackedIntReference.PackAlongColumns(zeros, c.N, groups, c.Bits), DType.I32, [(c.N + perWord - 1) / perWord, groups]);
        using var groupIndex = gIdx is null ? null : QrtTensor.FromData<int>(gIdx, DType.I32, [c.K]);
        using var xt = TensorBits.Upload(c.XType, x, c.M, c.K);
        using var bt = bias is null ? null : TensorBits.Upload(DType.F32, bias, c.N);
        using var yt = QrtTensor.Empty(c.YType, [c.M, c.N]);
        var weight = new PackedIntWeight(packed, scale, zero, groupIndex, c.Bits, c.GroupSize);

        Qrt.Runtime.Ops.GemmWna16(Stream, xt, weight, bt, yt);

        var w = new double[c.N * c.K];
        for (var n = 0; n < c.N; n++)
        {
            for (var k = 0; k < c.K; k++)
            {
                var g = gIdx?[k] ?? (c.GroupSize == 0 ? 0 : k / c.GroupSize);
                w[(n * c.K) + k] = (q[(n * c.K) + k] - zeros[(n * groups) + g]) * (double)scales[(n * groups) + g];
            }
        }

        var expected = GemmReference.Linear(x.AsDoubles(), w, c.M, c.N, c.K, bias?.AsDoubles());
        // FP32 accumulation over K products, plus the FP32 rounding of each dequantized weight and of the bias add.
        GemmReference.AssertMatches(yt, expected, c.K, 2, "y");
    }

    private void ValidCall()
    {
        // Row 0 holds q = 1..7, -8 (stored q + 8), row 1 holds q = -1 everywhere; scale 0.5 per channel.
        using var x = TensorBits.Upload(DType.F32, [1, 1, 1, 1, 1, 1, 1, 1], 1, 8);
        using var packed = QrtTensor.FromData<int>([unchecked((int)0x0FEDCBA9), 0x77777777], DType.I32, [2, 1]);
        using var scale = TensorBits.Upload(DType.F32, [0.5f, 0.5f], 2, 1);
        using var y = QrtTensor.Empty(DType.F32, [1, 2]);
        Qrt.Runtime.Ops.GemmWna16(Stream, x, new PackedIntWeight(packed, scale, null, null, 4, 0), null, y);
        Assert.That(y.ToArray<float>(), Is.EqualTo(new[] { 10f, -4f }));
    }

    // Nine output channels need two words of 4-bit zero points per group.
    private static Call NineChannels(Call c) =>
        c with { Packed = Zeros(DType.I32, 9, 2), Scale = Zeros(DType.F32, 9, 1), Y = Zeros(DType.F32, 2, 9) };

    // Two groups of 8 columns, so that a group index can point past the last group.
    private static Call ActOrdered(Call c, TensorSpec groupIndex) =>
        c with { Scale = Zeros(DType.F32, 3, 2), GroupIndex = groupIndex, GroupSize = 8 };

    // Column 11 in the given group, the other 15 columns in group 1.
    private static TensorSpec OneColumnInGroup(int group) => Values([.. Enumerable.Repeat(1, 11), group, .. Enumerable.Repeat(1, 4)], 16);

    private void Invoke(Call c)
    {
        using var tensors = new TensorScope();
        var weight = new PackedIntWeight(
            tensors.Make(c.Packed), tensors.Make(c.Scale), tensors.Make(c.ZeroPoint), tensors.Make(c.GroupIndex), c.Bits, c.GroupSize);
        Qrt.Runtime.Ops.GemmWna16(Stream, tensors.Make(c.X), weight, null, tensors.Make(c.Y));
    }

    private sealed record Case(
        int Bits, int GroupSize, bool Symmetric, bool ActOrder, DType XType, DType ScaleType, DType YType, bool WithBias, int M, int N, int K);

    internal sealed record Call(
        TensorSpec X, TensorSpec Packed, TensorSpec Scale, TensorSpec? ZeroPoint, TensorSpec? GroupIndex, int Bits, int GroupSize, TensorSpec Y);
}
