using Qrt.Runtime.Tests.Ops.Core;
using Qrt.Runtime.Tests.Support;
using static Qrt.Runtime.Tests.Ops.Core.CoreTesting;
using static Qrt.Runtime.Tests.Support.Rejection;
using static Qrt.Runtime.Tests.Support.TensorBits;

namespace Qrt.Runtime.Tests.Ops;

[TestFixture]
internal sealed class PagedAttentionTests : CpuStreamFixture
{
    private const int QueryHeads = 4, KvHeads = 2, Dims = 16, ValueDims = 12, BlockSize = 5;

    [TestCase(37, 37, 0)]
    [TestCase(37, 4, 0)]
    [TestCase(37, 1, 0)]
    [TestCase(37, 37, 6)]
    [TestCase(1, 1, 0)]
    public void PagedAttention_OverACacheWrittenByKvCacheWrite_EqualsContiguousAttention(int contextLength, int queries, int window)
    {
        var blocks = (contextLength + BlockSize - 1) / BlockSize;
        var data = new TestData(211);
        // The sequence's blocks are a shuffled choice among more than it needs, so positions that follow each
        // other sit in unrelated blocks.
        var blockTable = data.Permutation(blocks + 3).Take(blocks).ToArray();
        var slots = Enumerable.Range(0, contextLength).Select(p => (blockTable[p / BlockSize] * BlockSize) + (p % BlockSize)).ToArray();
        var q = data.Uniform(queries * QueryHeads * Dims);
        var k = data.Uniform(contextLength * KvHeads * Dims);
        var v = data.Uniform(contextLength * KvHeads * ValueDims);
        var c = new AttentionCase("paged", queries, contextLength, QueryHeads, KvHeads, Dims, ValueDims, Causal: true, Window: window);

        using var tq = Upload(DType.F32, q, queries, QueryHeads, Dims);
        using var tk = Upload(DType.F32, k, contextLength, KvHeads, Dims);
        using var tv = Upload(DType.F32, v, contextLength, KvHeads, ValueDims);
        using var kCache = QrtTensor.Zeros(DType.F32, [blocks + 3, BlockSize, KvHeads, Dims]);
        using var vCache = QrtTensor.Zeros(DType.F32, [blocks + 3, BlockSize, KvHeads, ValueDims]);
        using var slotTensor = QrtTensor.FromData<int>(slots, DType.I32, [contextLength]);
        using var queryStarts = QrtTensor.FromData<int>(new[] { 0, queries }, DType.I32, [2]);
        using var contextLengths = QrtTensor.FromData<int>(new[] { contextLength }, DType.I32, [1]);
        using var blockTables = QrtTensor.FromData<int>(blockTable, DType.I32, [1, blocks]);
        using var paged = QrtTensor.Empty(DType.F32, [queries, QueryHeads, ValueDims]);
        using var contiguous = QrtTensor.Empty(DType.F32, [queries, QueryHeads, ValueDims]);

        Qrt.Runtime.Ops.KvCacheWrite(Stream, tk, tv, slotTensor, kCache, vCache);
        Qrt.Runtime.Ops.PagedAttention(Stream, tq, kCache, vCache, queryStarts, contextLengths, blockTables, c.EffectiveScale, window, paged);
        Qrt.Runtime.Ops.Attention(Stream, tq, tk, tv, new AttentionMask(Causal: true, window), c.EffectiveScale, contiguous);

        // qrt_attention's bound, plus what the paged kernel's one-pass softmax adds: the running sums are rescaled
        // up to Tk − 1 times (an exponential and a product, 3·2^-24 each), and the rescaling exponents, which
        // telescope to at most 2·scale·D for values in [-1, 1], are rounded once each; a weight error counts twice
        // after normalisation, times max|v| <= 1.
        var (expected, atol) = AttentionReference.Compute(c, q, k, v);
        var pagedAtol = atol + (2 * ((2 * c.EffectiveScale * Dims) + (3 * (contextLength - 1))) * Fp32Unit);
        Tolerance.AssertClose(Read(paged), expected, pagedAtol, 0, "paged attention vs the reference");
        Tolerance.AssertClose(Read(paged), Read(contiguous), atol + pagedAtol, 0, "paged attention vs contiguous attention");
    }

    [Test]
    public void KvCacheWrite_RefusesASlotOutsideTheCache()
    {
        using var k = QrtTensor.Zeros(DType.F32, [2, KvHeads, Dims]);
        using var v = QrtTensor.Zeros(DType.F32, [2, KvHeads, ValueDims]);
        using var kCache = QrtTensor.Zeros(DType.F32, [3, BlockSize, KvHeads, Dims]);
        using var vCache = QrtTensor.Zeros(DType.F32, [3, BlockSize, KvHeads, ValueDims]);
        using var slots = QrtTensor.FromData<int>(new[] { 0, 3 * BlockSize }, DType.I32, [2]);

        var error = AssertRejected(() => Qrt.Runtime.Ops.KvCacheWrite(Stream, k, v, slots, kCache, vCache), "qrt_kv_cache_write", "slots");
        Assert.That(error.Message, Does.Contain("token 1 has slot 15"));
    }

    [Test]
    public void PagedAttention_RefusesABlockTableEntryOutsideTheCache()
    {
        using var q = QrtTensor.Zeros(DType.F32, [1, QueryHeads, Dims]);
        using var kCache = QrtTensor.Zeros(DType.F32, [3, BlockSize, KvHeads, Dims]);
        using var vCache = QrtTensor.Zeros(DType.F32, [3, BlockSize, KvHeads, ValueDims]);
        using var queryStarts = QrtTensor.FromData<int>(new[] { 0, 1 }, DType.I32, [2]);
        using var contextLengths = QrtTensor.FromData<int>(new[] { 7 }, DType.I32, [1]);
        using var blockTables = QrtTensor.FromData<int>(new[] { 2, 3 }, DType.I32, [1, 2]);
        using var output = QrtTensor.Empty(DType.F32, [1, QueryHeads, ValueDims]);

        var error = AssertRejected(
            () => Qrt.Runtime.Ops.PagedAttention(Stream, q, kCache, vCache, queryStarts, contextLengths, blockTables, 0.25f, 0, output),
            "qrt_paged_attention",
            "block_tables");
        Assert.That(error.Message, Does.Contain("block_tables[0][1] = 3"));
    }
}
