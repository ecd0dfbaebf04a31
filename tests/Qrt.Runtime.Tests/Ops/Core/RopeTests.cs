using Qrt.Runtime.Tests.Support;
using static Qrt.Runtime.Tests.Ops.Core.CoreTesting;
using static Qrt.Runtime.Tests.Support.Rejection;
using static Qrt.Runtime.Tests.Support.TensorBits;
using static Qrt.Runtime.Tests.Support.TensorSpec;

namespace Qrt.Runtime.Tests.Ops.Core;

[TestFixture]
internal sealed class RopeTests : CpuStreamFixture
{
    private static readonly Call ValidArguments = new(
        X: Zeros(DType.F32, 3, 2, 8),
        Positions: Zeros(DType.I32, 3),
        InverseFrequencies: Zeros(DType.F32, 4));

    public static IEnumerable<TestCaseData> Cases() =>
        from dtype in StorageFloatDTypes
        from positions in new[] { DType.I32, DType.I64 }
        from shape in new[] { (1, 1, 2, 2), (3, 7, 16, 16), (17, 3, 64, 32), (5, 3, 7, 6), (33, 2, 128, 128), (7, 4, 80, 20) }
        select new TestCaseData(dtype, positions, shape.Item1, shape.Item2, shape.Item3, shape.Item4);

    public static IEnumerable<TestCaseData> BadArguments() => BadArgument.Cases<Call>(
        new("an integer x", c => c with { X = Zeros(DType.I32, 3, 2, 8) }, "x"),
        new("float positions", c => c with { Positions = Zeros(DType.F32, 3) }, "positions"),
        new("bf16 frequencies", c => c with { InverseFrequencies = Zeros(DType.BF16, 4) }, "inv_freq"),
        new("an x without heads", c => c with { X = Zeros(DType.F32, 3, 16), Positions = Zeros(DType.I64, 3) }, "x"),
        new("a position too many", c => c with { Positions = Zeros(DType.I64, 4) }, "positions"),
        new(
            "more frequencies than half the head",
            c => c with { Positions = Zeros(DType.I64, 3), InverseFrequencies = Zeros(DType.F32, 5) },
            "inv_freq"));

    [TestCaseSource(nameof(Cases))]
    public void Rope_RotatesTheFirstRDims_AndKeepsTheRestBitExact(DType dtype, DType positionType, int tokens, int heads, int dims, int rotary)
    {
        var data = new TestData(61);
        var x = Stored(dtype, data.Normal(tokens * heads * dims));
        var positions = data.Integers(tokens, 0, 4096).Select(p => (long)p).ToArray();
        var inverseFrequencies = RopeReference.InverseFrequencies(rotary);
        using var tx = Upload(dtype, x, tokens, heads, dims);
        using var tp = Positions(positionType, positions);
        using var tf = Upload(DType.F32, inverseFrequencies, inverseFrequencies.Length);

        Qrt.Runtime.Ops.Rope(Stream, tx, tp, tf);

        AssertRotated(Read(tx), x, tokens, heads, dims, positions, inverseFrequencies, dtype);
    }

    [Test]
    public void Rope_TakesTheAngleAsAnFp32Product_ForLargePositions()
    {
        const int Tokens = 7, Heads = 2, Dims = 64;
        var data = new TestData(62);
        var x = data.Normal(Tokens * Heads * Dims);
        var positions = data.Integers(Tokens, 100_000, 500_000).Select(p => (long)p).ToArray();
        var inverseFrequencies = RopeReference.InverseFrequencies(Dims);
        using var tx = Upload(DType.F32, x, Tokens, Heads, Dims);
        using var tp = Positions(DType.I64, positions);
        using var tf = Upload(DType.F32, inverseFrequencies, inverseFrequencies.Length);

        Qrt.Runtime.Ops.Rope(Stream, tx, tp, tf);

        // At positions near 5·10^5 the FP32 product is off the exact angle by up to 2^-6 rad, far beyond the
        // tolerance, so this fails unless the kernel rounds the angle exactly as qrt.h says.
        AssertRotated(Read(tx), x, Tokens, Heads, Dims, positions, inverseFrequencies, DType.F32);
    }

    [TestCase(DType.F32)]
    [TestCase(DType.BF16)]
    public void Rope_RotatesQAndKInPlace_AsViewsIntoAFusedQkv(DType dtype)
    {
        const int Tokens = 17, QHeads = 4, KvHeads = 2, Dims = 32;
        const int Width = (QHeads + (2 * KvHeads)) * Dims;
        var data = new TestData(63);
        var qkv = Stored(dtype, data.Normal(Tokens * Width));
        var positions = Enumerable.Range(1000, Tokens).Select(p => (long)p).ToArray();
        var inverseFrequencies = RopeReference.InverseFrequencies(Dims);
        using var tqkv = Upload(dtype, qkv, Tokens, Width);
        using var q = tqkv.View([Tokens, QHeads, Dims], [Width, Dims, 1]);
        using var k = tqkv.View([Tokens, KvHeads, Dims], [Width, Dims, 1], QHeads * Dims);
        using var tp = Positions(DType.I32, positions);
        using var tf = Upload(DType.F32, inverseFrequencies, inverseFrequencies.Length);

        Qrt.Runtime.Ops.Rope(Stream, q, tp, tf);
        Qrt.Runtime.Ops.Rope(Stream, k, tp, tf);

        var actual = Read(tqkv);
        AssertRotated(Columns(actual, Tokens, Width, 0, QHeads * Dims), Columns(qkv, Tokens, Width, 0, QHeads * Dims), Tokens, QHeads, Dims, positions, inverseFrequencies, dtype);
        AssertRotated(Columns(actual, Tokens, Width, QHeads * Dims, KvHeads * Dims), Columns(qkv, Tokens, Width, QHeads * Dims, KvHeads * Dims), Tokens, KvHeads, Dims, positions, inverseFrequencies, dtype);
        var valueStart = (QHeads + KvHeads) * Dims;
        Assert.That(Columns(actual, Tokens, Width, valueStart, KvHeads * Dims), Is.EqualTo(Columns(qkv, Tokens, Width, valueStart, KvHeads * Dims)), "the v part is untouched");
    }

    [Test]
    public void Rope_AcceptsTheArguments_ThatEachBadArgumentCaseChanges() =>
        Assert.That(() => Invoke(ValidArguments), Throws.Nothing);

    [TestCaseSource(nameof(BadArguments))]
    public void Rope_Refuses(BadArgument<Call> bad)
    {
        AssertRejected(() => Invoke(bad.Change(ValidArguments)), "qrt_rope", bad.Argument);

        AssertAValidRopeSucceeds();
    }

    [Test]
    public void Rope_ThrowsObjectDisposed_ForDisposedPositions()
    {
        Assert.Throws<ObjectDisposedException>(() => Invoke(ValidArguments with { Positions = ValidArguments.Positions.Disposed() }));

        AssertAValidRopeSucceeds();
    }

    internal static QrtTensor Positions(DType dtype, long[] positions) => dtype == DType.I64
        ? QrtTensor.FromData<long>(positions, DType.I64, [positions.Length])
        : QrtTensor.FromData<int>(positions.Select(p => checked((int)p)).ToArray(), DType.I32, [positions.Length]);

    private static void AssertRotated(float[] actual, float[] x, int tokens, int heads, int dims, long[] positions, float[] inverseFrequencies, DType dtype)
    {
        var half = inverseFrequencies.Length;
        var angles = RopeReference.Angles(positions, inverseFrequencies);
        var expected = RopeReference.Rotate(x, tokens, heads, dims, angles.Select(a => Math.Cos(a)).ToArray(), angles.Select(a => Math.Sin(a)).ToArray());
        // cos and sin rounded to FP32, two products and a sum: 3·2^-24·(|a| + |b|) at most, and the store to x's dtype.
        var atol = 3 * Fp32Unit * (1 + (2 * Fp32Unit)) * RopeReference.LargestPair(x, tokens, heads, dims, half);
        Tolerance.AssertClose(actual, expected, atol * (1 + StoreRounding(dtype)), StoreRounding(dtype), $"rope {dtype} [{tokens}, {heads}, {dims}] R = {2 * half}");
        var untouched = Enumerable.Range(0, x.Length).Where(i => i % dims >= 2 * half).ToArray();
        Assert.That(untouched.Select(i => actual[i]).ToArray(), Is.EqualTo(untouched.Select(i => x[i]).ToArray()), "dims beyond R keep their bits");
    }

    private void AssertAValidRopeSucceeds()
    {
        using var x = Upload(DType.F32, [1f, 0f], 1, 1, 2);
        using var positions = Positions(DType.I32, [1]);
        using var frequencies = Upload(DType.F32, [MathF.PI / 2], 1);
        Qrt.Runtime.Ops.Rope(Stream, x, positions, frequencies);
        // A quarter turn takes (1, 0) to (cos, sin) of the FP32 angle nearest π/2, whose cosine is −4.4·10^-8.
        Tolerance.AssertClose(Read(x), [0.0, 1.0], 1e-7, 0, "a valid rope on the same stream after the failure");
    }

    private void Invoke(Call c)
    {
        using var tensors = new TensorScope();
        Qrt.Runtime.Ops.Rope(Stream, tensors.Make(c.X), tensors.Make(c.Positions), tensors.Make(c.InverseFrequencies));
    }

    internal sealed record Call(TensorSpec X, TensorSpec Positions, TensorSpec InverseFrequencies);
}
