using NUnit.Framework;
using Qrt.Runtime.Interop;
using Qrt.Runtime.Tests.Support;

namespace Qrt.Runtime.Tests.Ops.Gemm;

/// <summary>
/// The grouped expert ops through their managed wrappers on the CPU. Each expert's segment of the rows sorted by expert
/// must be exactly the ungrouped op's result on that slice with the expert's weight, scales and bias (the CPU grouped op
/// runs the ungrouped kernel per segment, so the bits are equal); offsets that do not rise from 0 to R are refused with
/// the argument's name.
/// </summary>
[TestFixture]
internal sealed class GroupedGemmTests : CpuStreamFixture
{
    private const int K = 32;
    private const int N = 8;
    private const int E = 3;
    private const int R = 5;
    private static readonly int[] Offsets = [0, 2, 2, 5];  // expert 1 has no rows

    [Test]
    public void GemmW8A8Int8Grouped_GivesEachSegmentTheUngroupedResult()
    {
        var data = new TestData(31);
        var a = data.Integers(R * K, -128, 127).Select(v => (sbyte)v).ToArray();
        var w = data.Integers(E * N * K, -128, 127).Select(v => (sbyte)v).ToArray();
        var aScale = data.Uniform(E, 0.001f, 0.01f);  // static, one per expert
        var wScale = data.Uniform(E * N, 0.001f, 0.01f);
        var bias = data.Uniform(E * N);
        int[] zeroPoints = [3, -7, 11];
        using var at = QrtTensor.FromData<sbyte>(a, DType.I8, [R, K]);
        using var ast = QrtTensor.FromData<float>(aScale, DType.F32, [E]);
        using var zt = QrtTensor.FromData<int>(zeroPoints, DType.I32, [E]);
        using var wt = QrtTensor.FromData<sbyte>(w, DType.I8, [E, N, K]);
        using var wst = QrtTensor.FromData<float>(wScale, DType.F32, [E, N]);
        using var bt = QrtTensor.FromData<float>(bias, DType.F32, [E, N]);
        using var offsets = QrtTensor.FromData<int>(Offsets, DType.I32, [E + 1]);
        using var y = QrtTensor.Empty(DType.F32, [R, N]);

        Qrt.Runtime.Ops.GemmW8A8Int8Grouped(Stream, at, ast, zt, wt, wst, bt, offsets, y);

        var expected = new float[R * N];
        ForEachSegment((e, begin, rows) =>
        {
            using var slice = QrtTensor.FromData<sbyte>(a.AsSpan(begin * K, rows * K), DType.I8, [rows, K]);
            using var scale = QrtTensor.FromData<float>(aScale.AsSpan(e, 1), DType.F32, [1]);
            using var zero = QrtTensor.FromData<int>(zeroPoints.AsSpan(e, 1), DType.I32, [1]);
            using var weight = QrtTensor.FromData<sbyte>(w.AsSpan(e * N * K, N * K), DType.I8, [N, K]);
            using var weightScale = QrtTensor.FromData<float>(wScale.AsSpan(e * N, N), DType.F32, [N]);
            using var b = QrtTensor.FromData<float>(bias.AsSpan(e * N, N), DType.F32, [N]);
            using var ys = QrtTensor.Empty(DType.F32, [rows, N]);
            Qrt.Runtime.Ops.GemmW8A8Int8(Stream, slice, scale, zero, weight, weightScale, b, ys);
            ys.ToArray<float>().CopyTo(expected, begin * N);
        });
        Assert.That(y.ToArray<float>(), Is.EqualTo(expected));
    }

    [Test]
    public void GemmGrouped_GivesEachSegmentTheUngroupedResult()
    {
        var data = new TestData(32);
        var x = data.Uniform(R * K);
        var w = data.Uniform(E * N * K);
        using var xt = QrtTensor.FromData<float>(x, DType.F32, [R, K]);
        using var wt = QrtTensor.FromData<float>(w, DType.F32, [E, N, K]);
        using var offsets = QrtTensor.FromData<int>(Offsets, DType.I32, [E + 1]);
        using var y = QrtTensor.Empty(DType.F32, [R, N]);

        Qrt.Runtime.Ops.GemmGrouped(Stream, xt, wt, null, offsets, y);

        var expected = new float[R * N];
        ForEachSegment((e, begin, rows) =>
        {
            using var slice = QrtTensor.FromData<float>(x.AsSpan(begin * K, rows * K), DType.F32, [rows, K]);
            using var weight = QrtTensor.FromData<float>(w.AsSpan(e * N * K, N * K), DType.F32, [N, K]);
            using var ys = QrtTensor.Empty(DType.F32, [rows, N]);
            Qrt.Runtime.Ops.Gemm(Stream, slice, weight, null, ys);
            ys.ToArray<float>().CopyTo(expected, begin * N);
        });
        Assert.That(y.ToArray<float>(), Is.EqualTo(expected));
    }

    [Test]
    public void QuantizeFp8Grouped_UsesEachExpertsScale()
    {
        var data = new TestData(33);
        var x = data.Uniform(R * K, -3f, 3f);
        float[] scales = [0.004f, 0.5f, 0.0125f];
        using var xt = QrtTensor.FromData<float>(x, DType.F32, [R, K]);
        using var st = QrtTensor.FromData<float>(scales, DType.F32, [E]);
        using var offsets = QrtTensor.FromData<int>(Offsets, DType.I32, [E + 1]);
        using var q = QrtTensor.Empty(DType.F8E4M3, [R, K]);

        Qrt.Runtime.Ops.QuantizeFp8Grouped(Stream, xt, st, offsets, q);

        var expected = new byte[R * K];
        ForEachSegment((e, begin, rows) =>
        {
            using var slice = QrtTensor.FromData<float>(x.AsSpan(begin * K, rows * K), DType.F32, [rows, K]);
            using var scale = QrtTensor.FromData<float>(scales.AsSpan(e, 1), DType.F32, [1]);
            using var qs = QrtTensor.Empty(DType.F8E4M3, [rows, K]);
            Qrt.Runtime.Ops.QuantizeFp8(Stream, slice, scale, qs, null);
            qs.ToArray<byte>().CopyTo(expected, begin * K);
        });
        Assert.That(q.ToArray<byte>(), Is.EqualTo(expected));
    }

    [TestCase(new[] { 0, 3, 2, 5 }, "must not decrease")]
    [TestCase(new[] { 1, 2, 2, 5 }, "must start at 0")]
    [TestCase(new[] { 0, 2, 2, 4 }, "must end at R = 5")]
    public void GroupedOps_RefuseOffsetsThatDoNotRiseFromZeroToR(int[] offsetValues, string message)
    {
        using var x = QrtTensor.Zeros(DType.F32, [R, K]);
        using var w = QrtTensor.Zeros(DType.F32, [E, N, K]);
        using var offsets = QrtTensor.FromData<int>(offsetValues, DType.I32, [E + 1]);
        using var y = QrtTensor.Empty(DType.F32, [R, N]);
        var error = Assert.Throws<QrtException>(() => Qrt.Runtime.Ops.GemmGrouped(Stream, x, w, null, offsets, y));
        Assert.That(error!.Message, Does.Contain("expert_offsets").And.Contain(message));
    }

    private static void ForEachSegment(Action<int, int, int> body)
    {
        for (var e = 0; e < E; e++)
        {
            var rows = Offsets[e + 1] - Offsets[e];
            if (rows > 0)
            {
                body(e, Offsets[e], rows);
            }
        }
    }
}
