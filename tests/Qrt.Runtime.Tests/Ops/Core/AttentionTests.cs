using Qrt.Runtime.Tests.Support;
using static Qrt.Runtime.Tests.Ops.Core.CoreTesting;
using static Qrt.Runtime.Tests.Support.Rejection;
using static Qrt.Runtime.Tests.Support.TensorBits;

namespace Qrt.Runtime.Tests.Ops.Core;

[TestFixture]
internal sealed class AttentionTests : CpuStreamFixture
{
    private static readonly AttentionCase[] Shapes =
    [
        new("causal prefill", 17, 17, 4, 4, 16, 16, Causal: true),
        new("decode", 1, 33, 8, 2, 64, 64, Causal: true),
        new("chunked prefill", 7, 33, 4, 2, 32, 32, Causal: true),
        new("cross attention, Tq < Tk", 7, 33, 3, 3, 8, 8, Causal: false),
        new("GQA", 33, 33, 8, 2, 32, 32, Causal: true),
        new("MQA", 17, 17, 6, 1, 8, 8, Causal: false),
        new("MQA decode", 1, 127, 4, 1, 16, 16, Causal: true),
        new("Dv ≠ D", 17, 17, 4, 2, 16, 24, Causal: true),
        new("odd dims", 3, 7, 3, 1, 7, 3, Causal: true),
        new("single token", 1, 1, 1, 1, 1, 1, Causal: true),
        new("sliding window", 33, 33, 4, 2, 16, 16, Causal: true, Window: 5),
        new("window of one", 17, 17, 2, 2, 8, 8, Causal: true, Window: 1),
        new("window wider than the sequence", 17, 17, 2, 1, 8, 8, Causal: true, Window: 100),
        new("chunked with a window", 7, 33, 4, 2, 16, 16, Causal: true, Window: 9),
        new("bidirectional window", 17, 17, 2, 2, 8, 8, Causal: false, Window: 4),
        new("segments of unequal length", 17, 17, 4, 2, 16, 16, Causal: false, Segments: [0, 3, 10, 10, 17]),
        new("causal segments", 17, 17, 4, 4, 16, 8, Causal: true, Segments: [0, 5, 6, 17]),
        new("segments with a window", 17, 17, 2, 1, 8, 8, Causal: true, Window: 4, Segments: [0, 9, 17]),
        new("one segment", 33, 33, 2, 2, 16, 16, Causal: false, Segments: [0, 33]),
        new("explicit scale", 17, 17, 4, 2, 16, 16, Causal: true, Scale: 0.05f),
    ];

    public static IEnumerable<TestCaseData> Cases() =>
        from shape in Shapes
        from dtypes in new[] { (DType.F32, DType.F32), (DType.BF16, DType.BF16), (DType.BF16, DType.F32), (DType.F32, DType.BF16) }
        select new TestCaseData(shape, dtypes.Item1, dtypes.Item2).SetArgDisplayNames(shape.Name, dtypes.Item1.ToString(), dtypes.Item2.ToString());

    [TestCaseSource(nameof(Cases))]
    public void Attention_MatchesReference(AttentionCase c, DType inputType, DType outputType)
    {
        var (q, k, v) = Inputs(c, inputType, seed: 131);
        using var tq = Upload(inputType, q, c.QueryTokens, c.QueryHeads, c.Dims);
        using var tk = Upload(inputType, k, c.KeyTokens, c.KvHeads, c.Dims);
        using var tv = Upload(inputType, v, c.KeyTokens, c.KvHeads, c.ValueDims);
        using var segments = c.Segments is null ? null : QrtTensor.FromData<int>(c.Segments, DType.I32, [c.Segments.Length]);
        using var output = QrtTensor.Empty(outputType, [c.QueryTokens, c.QueryHeads, c.ValueDims]);

        Qrt.Runtime.Ops.Attention(Stream, tq, tk, tv, new AttentionMask(c.Causal, c.Window, segments), c.EffectiveScale, output);

        var (expected, atol) = AttentionReference.Compute(c, q, k, v);
        Tolerance.AssertClose(Read(output), expected, atol * (1 + StoreRounding(outputType)), StoreRounding(outputType), $"{c.Name}, {inputType} -> {outputType}");
    }

    [TestCase(false)]
    [TestCase(true)]
    public void Attention_OverSegments_EqualsRunningEachSegmentAlone(bool causal)
    {
        int[] offsets = [0, 2, 9, 9, 10, 33];
        var c = new AttentionCase("packed", 33, 33, 4, 2, 16, 16, causal, Segments: offsets);
        var (q, k, v) = Inputs(c, DType.F32, seed: 132);
        using var tq = Upload(DType.F32, q, 33, 4, 16);
        using var tk = Upload(DType.F32, k, 33, 2, 16);
        using var tv = Upload(DType.F32, v, 33, 2, 16);
        using var segments = QrtTensor.FromData<int>(offsets, DType.I32, [offsets.Length]);
        using var packed = QrtTensor.Empty(DType.F32, [33, 4, 16]);
        using var separate = QrtTensor.Zeros(DType.F32, [33, 4, 16]);

        Qrt.Runtime.Ops.Attention(Stream, tq, tk, tv, new AttentionMask(causal, 0, segments), c.EffectiveScale, packed);
        for (var s = 0; s + 1 < offsets.Length; s++)
        {
            var (start, length) = (offsets[s], offsets[s + 1] - offsets[s]);
            if (length == 0)
            {
                continue;
            }

            using var sq = tq.Slice(0, start, length);
            using var sk = tk.Slice(0, start, length);
            using var sv = tv.Slice(0, start, length);
            using var so = separate.Slice(0, start, length);
            Qrt.Runtime.Ops.Attention(Stream, sq, sk, sv, new AttentionMask(causal), c.EffectiveScale, so);
        }

        // Both runs are within the reference's bound of the same values, so within twice of each other.
        var (_, atol) = AttentionReference.Compute(c, q, k, v);
        Tolerance.AssertClose(Read(packed), Widen(Read(separate)), 2 * atol, 0, "packed segments vs each segment alone");
    }

    [TestCase(DType.F32)]
    [TestCase(DType.BF16)]
    public void Attention_ReadsQkvAsViewsOfAFusedProjection(DType dtype)
    {
        const int Tokens = 17, QHeads = 4, KvHeads = 2, Dims = 16;
        const int Width = (QHeads + (2 * KvHeads)) * Dims;
        var c = new AttentionCase("fused", Tokens, Tokens, QHeads, KvHeads, Dims, Dims, Causal: true);
        var qkv = Stored(dtype, new TestData(133).Normal(Tokens * Width));
        using var tqkv = Upload(dtype, qkv, Tokens, Width);
        using var q = tqkv.View([Tokens, QHeads, Dims], [Width, Dims, 1]);
        using var k = tqkv.View([Tokens, KvHeads, Dims], [Width, Dims, 1], QHeads * Dims);
        using var v = tqkv.View([Tokens, KvHeads, Dims], [Width, Dims, 1], (QHeads + KvHeads) * Dims);
        using var wide = QrtTensor.Zeros(dtype, [Tokens, 2 * QHeads * Dims]);
        using var output = wide.View([Tokens, QHeads, Dims], [2 * QHeads * Dims, Dims, 1]);

        Qrt.Runtime.Ops.Attention(Stream, q, k, v, AttentionMask.CausalMask, c.EffectiveScale, output);

        var (expected, atol) = AttentionReference.Compute(
            c, Columns(qkv, Tokens, Width, 0, QHeads * Dims), Columns(qkv, Tokens, Width, QHeads * Dims, KvHeads * Dims), Columns(qkv, Tokens, Width, (QHeads + KvHeads) * Dims, KvHeads * Dims));
        var actual = Read(wide);
        Tolerance.AssertClose(Columns(actual, Tokens, 2 * QHeads * Dims, 0, QHeads * Dims), expected, atol * (1 + StoreRounding(dtype)), StoreRounding(dtype), "out written through a strided view");
        Assert.That(Columns(actual, Tokens, 2 * QHeads * Dims, QHeads * Dims, QHeads * Dims), Is.All.EqualTo(0f), "the columns beside the view are untouched");
    }

    [Test]
    public void Attention_RefusesWrongDTypes()
    {
        using var q = QrtTensor.Zeros(DType.F32, [3, 4, 8]);
        using var kv = QrtTensor.Zeros(DType.F32, [3, 2, 8]);
        using var ints = QrtTensor.Zeros(DType.I32, [3, 4, 8]);
        using var floatSegments = QrtTensor.Zeros(DType.F32, [2]);
        using var output = QrtTensor.Zeros(DType.F32, [3, 4, 8]);

        using (Assert.EnterMultipleScope())
        {
            AssertRejected(() => Qrt.Runtime.Ops.Attention(Stream, ints, kv, kv, AttentionMask.CausalMask, 1f, output), "qrt_attention", "q");
            AssertRejected(() => Qrt.Runtime.Ops.Attention(Stream, q, kv, kv, AttentionMask.CausalMask, 1f, ints), "qrt_attention", "out");
            AssertRejected(() => Qrt.Runtime.Ops.Attention(Stream, q, kv, kv, new AttentionMask(false, 0, floatSegments), 1f, output), "qrt_attention", "segments");
        }

        AssertAValidAttentionSucceeds();
    }

    [Test]
    public void Attention_RefusesMismatchedShapes()
    {
        using var q = QrtTensor.Zeros(DType.F32, [3, 4, 8]);
        using var q3Heads = QrtTensor.Zeros(DType.F32, [3, 3, 8]);
        using var q5Tokens = QrtTensor.Zeros(DType.F32, [5, 4, 8]);
        using var k = QrtTensor.Zeros(DType.F32, [3, 2, 8]);
        using var k6 = QrtTensor.Zeros(DType.F32, [3, 2, 6]);
        using var v4 = QrtTensor.Zeros(DType.F32, [4, 2, 8]);
        using var output = QrtTensor.Zeros(DType.F32, [3, 4, 8]);
        using var output5 = QrtTensor.Zeros(DType.F32, [5, 4, 8]);
        using var out2Heads = QrtTensor.Zeros(DType.F32, [3, 2, 8]);

        using (Assert.EnterMultipleScope())
        {
            AssertRejected(() => Qrt.Runtime.Ops.Attention(Stream, q, k6, k, AttentionMask.CausalMask, 1f, output), "qrt_attention", "k");
            AssertRejected(() => Qrt.Runtime.Ops.Attention(Stream, q, k, v4, AttentionMask.CausalMask, 1f, output), "qrt_attention", "v");
            AssertRejected(() => Qrt.Runtime.Ops.Attention(Stream, q3Heads, k, k, AttentionMask.CausalMask, 1f, out2Heads), "qrt_attention", "q");
            AssertRejected(() => Qrt.Runtime.Ops.Attention(Stream, q, k, k, AttentionMask.CausalMask, 1f, out2Heads), "qrt_attention", "out");
            AssertRejected(() => Qrt.Runtime.Ops.Attention(Stream, q5Tokens, k, k, AttentionMask.CausalMask, 1f, output5), "qrt_attention", "q");
        }

        AssertAValidAttentionSucceeds();
    }

    [Test]
    public void Attention_RefusesBadSegments_ScaleAndWindow()
    {
        using var q = QrtTensor.Zeros(DType.F32, [3, 4, 8]);
        using var k = QrtTensor.Zeros(DType.F32, [3, 2, 8]);
        using var output = QrtTensor.Zeros(DType.F32, [3, 4, 8]);
        using var short2 = QrtTensor.FromData<int>([0, 2], DType.I32, [2]);
        using var decreasing = QrtTensor.FromData<int>([0, 2, 1, 3], DType.I32, [4]);
        using var notFromZero = QrtTensor.FromData<int>([1, 3], DType.I32, [2]);

        using (Assert.EnterMultipleScope())
        {
            AssertRejected(() => Qrt.Runtime.Ops.Attention(Stream, q, k, k, new AttentionMask(false, 0, short2), 1f, output), "qrt_attention", "segments");
            AssertRejected(() => Qrt.Runtime.Ops.Attention(Stream, q, k, k, new AttentionMask(false, 0, decreasing), 1f, output), "qrt_attention", "segments");
            AssertRejected(() => Qrt.Runtime.Ops.Attention(Stream, q, k, k, new AttentionMask(false, 0, notFromZero), 1f, output), "qrt_attention", "segments");
            AssertRejected(() => Qrt.Runtime.Ops.Attention(Stream, q, k, k, AttentionMask.CausalMask, 0f, output), "qrt_attention", "scale");
            AssertRejected(() => Qrt.Runtime.Ops.Attention(Stream, q, k, k, AttentionMask.CausalMask, float.NaN, output), "qrt_attention", "scale");
            AssertRejected(() => Qrt.Runtime.Ops.Attention(Stream, q, k, k, new AttentionMask(true, -1), 1f, output), "qrt_attention", "sliding_window");
        }

        AssertAValidAttentionSucceeds();
    }

    [Test]
    public void Attention_ThrowsObjectDisposed_ForADisposedTensor()
    {
        using var q = QrtTensor.Zeros(DType.F32, [3, 4, 8]);
        using var k = QrtTensor.Zeros(DType.F32, [3, 2, 8]);
        using var output = QrtTensor.Zeros(DType.F32, [3, 4, 8]);
        var v = Disposed(DType.F32, 3, 2, 8);
        var segments = Disposed(DType.I32, 2);

        using (Assert.EnterMultipleScope())
        {
            Assert.Throws<ObjectDisposedException>(() => Qrt.Runtime.Ops.Attention(Stream, q, k, v, AttentionMask.CausalMask, 1f, output));
            Assert.Throws<ObjectDisposedException>(() => Qrt.Runtime.Ops.Attention(Stream, q, k, k, new AttentionMask(false, 0, segments), 1f, output));
        }

        AssertAValidAttentionSucceeds();
    }

    private static (float[] Q, float[] K, float[] V) Inputs(AttentionCase c, DType dtype, int seed)
    {
        var data = new TestData(seed);
        return (
            Stored(dtype, data.Normal(c.QueryTokens * c.QueryHeads * c.Dims)),
            Stored(dtype, data.Normal(c.KeyTokens * c.KvHeads * c.Dims)),
            Stored(dtype, data.Normal(c.KeyTokens * c.KvHeads * c.ValueDims)));
    }

    private void AssertAValidAttentionSucceeds()
    {
        using var q = Upload(DType.F32, [1f, 0f], 1, 1, 2);
        using var k = Upload(DType.F32, [1f, 0f, 1f, 0f], 2, 1, 2);
        using var v = Upload(DType.F32, [2f, 4f, 6f, 8f], 2, 1, 2);
        using var output = QrtTensor.Empty(DType.F32, [1, 1, 2]);
        Qrt.Runtime.Ops.Attention(Stream, q, k, v, AttentionMask.CausalMask, 1f, output);
        // Two keys with equal scores: the mean of the two value rows, exact in FP32.
        Assert.That(Read(output), Is.EqualTo(new[] { 4f, 6f }), "a valid attention on the same stream after the failure");
    }
}
