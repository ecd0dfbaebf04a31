using Qrt.Runtime.Tests.Support;
using static Qrt.Runtime.Tests.Ops.Core.CoreTesting;
using static Qrt.Runtime.Tests.Support.Rejection;
using static Qrt.Runtime.Tests.Support.TensorBits;
using static Qrt.Runtime.Tests.Support.TensorSpec;

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

    private static readonly Call ValidArguments = new(
        Q: Zeros(DType.F32, 3, 4, 8),
        K: Zeros(DType.F32, 3, 2, 8),
        V: Zeros(DType.F32, 3, 2, 8),
        Causal: true,
        Window: 0,
        Segments: null,
        Scale: 1f,
        Out: Zeros(DType.F32, 3, 4, 8));

    public static IEnumerable<TestCaseData> Cases() =>
        from shape in Shapes
        from dtypes in new[] { (DType.F32, DType.F32), (DType.BF16, DType.BF16), (DType.BF16, DType.F32), (DType.F32, DType.BF16) }
        select new TestCaseData(shape, dtypes.Item1, dtypes.Item2).SetArgDisplayNames(shape.Name, dtypes.Item1.ToString(), dtypes.Item2.ToString());

    public static IEnumerable<TestCaseData> BadArguments() => BadArgument.Cases<Call>(
        new("an integer q", c => c with { Q = Zeros(DType.I32, 3, 4, 8) }, "q"),
        new("an integer out", c => c with { Out = Zeros(DType.I32, 3, 4, 8) }, "out"),
        new("float segments", c => Segmented(c, Zeros(DType.F32, 2)), "segments"),
        new("a k of another head size", c => c with { K = Zeros(DType.F32, 3, 2, 6) }, "k"),
        new("a v of other tokens", c => c with { V = Zeros(DType.F32, 4, 2, 8) }, "v"),
        new("query heads no multiple of the kv heads", c => c with { Q = Zeros(DType.F32, 3, 3, 8), Out = Zeros(DType.F32, 3, 2, 8) }, "q"),
        new("an out of other heads", c => c with { Out = Zeros(DType.F32, 3, 2, 8) }, "out"),
        new("more queries than keys", c => c with { Q = Zeros(DType.F32, 5, 4, 8), Out = Zeros(DType.F32, 5, 4, 8) }, "q"),
        new("segments that end before the last token", c => Segmented(c, Values([0, 2], 2)), "segments"),
        new("decreasing segments", c => Segmented(c, Values([0, 2, 1, 3], 4)), "segments"),
        new("segments that start after the first token", c => Segmented(c, Values([1, 3], 2)), "segments"),
        new("a zero scale", c => c with { Scale = 0f }, "scale"),
        new("a NaN scale", c => c with { Scale = float.NaN }, "scale"),
        new("a negative sliding window", c => c with { Window = -1 }, "sliding_window"));

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
    public void Attention_AcceptsTheArguments_ThatEachBadArgumentCaseChanges() =>
        Assert.That(() => Invoke(ValidArguments), Throws.Nothing);

    [TestCaseSource(nameof(BadArguments))]
    public void Attention_Refuses(BadArgument<Call> bad)
    {
        AssertRejected(() => Invoke(bad.Change(ValidArguments)), "qrt_attention", bad.Argument);

        AssertAValidAttentionSucceeds();
    }

    [Test]
    public void Attention_ThrowsObjectDisposed_ForADisposedTensor()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.Throws<ObjectDisposedException>(() => Invoke(ValidArguments with { V = ValidArguments.V.Disposed() }));
            Assert.Throws<ObjectDisposedException>(() => Invoke(Segmented(ValidArguments, Zeros(DType.I32, 2).Disposed())));
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

    // Bidirectional attention within the given segments.
    private static Call Segmented(Call c, TensorSpec segments) => c with { Causal = false, Segments = segments };

    private void Invoke(Call c)
    {
        using var tensors = new TensorScope();
        var mask = new AttentionMask(c.Causal, c.Window, tensors.Make(c.Segments));
        Qrt.Runtime.Ops.Attention(Stream, tensors.Make(c.Q), tensors.Make(c.K), tensors.Make(c.V), mask, c.Scale, tensors.Make(c.Out));
    }

    internal sealed record Call(
        TensorSpec Q, TensorSpec K, TensorSpec V, bool Causal, int Window, TensorSpec? Segments, float Scale, TensorSpec Out);
}
