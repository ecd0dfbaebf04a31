using Qrt.Runtime.Tests.Support;
using static Qrt.Runtime.Tests.Ops.Core.CoreTesting;
using static Qrt.Runtime.Tests.Support.Rejection;
using static Qrt.Runtime.Tests.Support.TensorBits;
using static Qrt.Runtime.Tests.Support.TensorSpec;

namespace Qrt.Runtime.Tests.Ops.Core;

[TestFixture]
internal sealed class RopeCosSinTests : CpuStreamFixture
{
    private static readonly Call ValidArguments = new(
        X: Zeros(DType.F32, 3, 2, 8),
        Cos: Zeros(DType.F32, 3, 4),
        Sin: Zeros(DType.F32, 3, 4));

    public static IEnumerable<TestCaseData> BadArguments() => BadArgument.Cases<Call>(
        new("an integer x", c => c with { X = Zeros(DType.I64, 3, 2, 8) }, "x"),
        new("a bf16 cos table", c => c with { Cos = Zeros(DType.BF16, 3, 4) }, "cos"),
        new("a bf16 sin table", c => c with { Sin = Zeros(DType.BF16, 3, 4) }, "sin"),
        new("a sin table narrower than cos", c => c with { Sin = Zeros(DType.F32, 3, 3) }, "sin"),
        new("tables of another token count", c => c with { Cos = Zeros(DType.F32, 4, 4), Sin = Zeros(DType.F32, 4, 4) }, "cos"),
        new("tables wider than half the head", c => c with { Cos = Zeros(DType.F32, 3, 5), Sin = Zeros(DType.F32, 3, 5) }, "cos"));

    [TestCase(DType.F32, 17, 3, 64, 48)]
    [TestCase(DType.F32, 1, 1, 8, 8)]
    [TestCase(DType.BF16, 33, 2, 128, 128)]
    [TestCase(DType.BF16, 7, 5, 7, 6)]
    public void RopeCosSin_EqualsRope_WhenBuiltFromTheSameAngles(DType dtype, int tokens, int heads, int dims, int rotary)
    {
        var half = rotary / 2;
        var data = new TestData(71);
        var x = Stored(dtype, data.Normal(tokens * heads * dims));
        var positions = data.Integers(tokens, 0, 8192).Select(p => (long)p).ToArray();
        var inverseFrequencies = RopeReference.InverseFrequencies(rotary);
        var angles = RopeReference.Angles(positions, inverseFrequencies);
        var cache = new float[tokens * 2 * half];
        for (var i = 0; i < angles.Length; i++)
        {
            cache[((i / half) * 2 * half) + (i % half)] = (float)Math.Cos(angles[i]);
            cache[((i / half) * 2 * half) + half + (i % half)] = (float)Math.Sin(angles[i]);
        }

        using var fromPositions = Upload(dtype, x, tokens, heads, dims);
        using var fromTables = Upload(dtype, x, tokens, heads, dims);
        using var tp = RopeTests.Positions(DType.I64, positions);
        using var tf = Upload(DType.F32, inverseFrequencies, half);
        using var tcache = Upload(DType.F32, cache, tokens, 2 * half);
        using var cos = tcache.Slice(1, 0, half);
        using var sin = tcache.Slice(1, half, half);

        Qrt.Runtime.Ops.Rope(Stream, fromPositions, tp, tf);
        Qrt.Runtime.Ops.RopeCosSin(Stream, fromTables, cos, sin);

        // qrt.h does not fix how the kernel rounds cos and sin, so each entry of its table may differ from ours by one
        // FP32 step (2·2^-24 relative): 2·2^-24·(|a| + |b|); then each side rounds its two products and sum on its own
        // (2·2^-24·(|a| + |b|) each); in BF16 the two stores may land one step apart.
        var atol = 6 * Fp32Unit * (1 + Fp32Unit) * RopeReference.LargestPair(x, tokens, heads, dims, half);
        Tolerance.AssertClose(Read(fromTables), Widen(Read(fromPositions)), atol * (1 + StoreRounding(dtype)), IntermediateRounding(dtype), "rope_cos_sin vs rope");
    }

    [TestCase(DType.F32, 3, 5, 32)]
    [TestCase(DType.BF16, 4, 4, 64)]
    [TestCase(DType.F32, 1, 7, 16)]
    public void RopeCosSin_MatchesReference_ForPixtral2DTables(DType dtype, int gridRows, int gridCols, int dims)
    {
        const int Heads = 3;
        var tokens = gridRows * gridCols;
        var half = dims / 2;
        var frequencies = Enumerable.Range(0, half).Select(i => 1.0 / Math.Pow(10000, 2.0 * i / dims)).ToArray();
        var cos = new float[tokens * half];
        var sin = new float[tokens * half];
        for (var t = 0; t < tokens; t++)
        {
            var (row, col) = (t / gridCols, t % gridCols);
            for (var i = 0; i < half; i++)
            {
                // Pixtral: the first half of the frequencies (the even ones) turn with the patch row, the rest (the odd ones) with its column.
                var angle = i < half / 2 ? row * frequencies[2 * i] : col * frequencies[(2 * (i - (half / 2))) + 1];
                cos[(t * half) + i] = (float)Math.Cos(angle);
                sin[(t * half) + i] = (float)Math.Sin(angle);
            }
        }

        var x = Stored(dtype, new TestData(72).Normal(tokens * Heads * dims));
        using var tx = Upload(dtype, x, tokens, Heads, dims);
        using var tcos = Upload(DType.F32, cos, tokens, half);
        using var tsin = Upload(DType.F32, sin, tokens, half);

        Qrt.Runtime.Ops.RopeCosSin(Stream, tx, tcos, tsin);

        var expected = RopeReference.Rotate(x, tokens, Heads, dims, Widen(cos), Widen(sin));
        // The tables are exact inputs: two FP32 products and a sum, 2·2^-24·(|a| + |b|) at most, then the store.
        var atol = 2 * Fp32Unit * (1 + Fp32Unit) * RopeReference.LargestPair(x, tokens, Heads, dims, half);
        Tolerance.AssertClose(Read(tx), expected, atol * (1 + StoreRounding(dtype)), StoreRounding(dtype), $"pixtral {gridRows}x{gridCols}");
    }

    [Test]
    public void RopeCosSin_AcceptsTheArguments_ThatEachBadArgumentCaseChanges() =>
        Assert.That(() => Invoke(ValidArguments), Throws.Nothing);

    [TestCaseSource(nameof(BadArguments))]
    public void RopeCosSin_Refuses(BadArgument<Call> bad)
    {
        AssertRejected(() => Invoke(bad.Change(ValidArguments)), "qrt_rope_cos_sin", bad.Argument);

        AssertAValidRopeCosSinSucceeds();
    }

    [Test]
    public void RopeCosSin_ThrowsObjectDisposed_ForADisposedTable()
    {
        Assert.Throws<ObjectDisposedException>(() => Invoke(ValidArguments with { Sin = ValidArguments.Sin.Disposed() }));

        AssertAValidRopeCosSinSucceeds();
    }

    private void AssertAValidRopeCosSinSucceeds()
    {
        using var x = Upload(DType.F32, [1f, 2f], 1, 1, 2);
        using var cos = Upload(DType.F32, [0f], 1, 1);
        using var sin = Upload(DType.F32, [1f], 1, 1);
        Qrt.Runtime.Ops.RopeCosSin(Stream, x, cos, sin);
        // A quarter turn with exact table entries: (a, b) -> (-b, a), exactly.
        Assert.That(Read(x), Is.EqualTo(new[] { -2f, 1f }), "a valid rope_cos_sin on the same stream after the failure");
    }

    private void Invoke(Call c)
    {
        using var tensors = new TensorScope();
        Qrt.Runtime.Ops.RopeCosSin(Stream, tensors.Make(c.X), tensors.Make(c.Cos), tensors.Make(c.Sin));
    }

    internal sealed record Call(TensorSpec X, TensorSpec Cos, TensorSpec Sin);
}
