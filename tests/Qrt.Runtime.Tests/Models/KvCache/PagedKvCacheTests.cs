using NUnit.Framework;
using Qrt.Runtime.Models.KvCache;

namespace Qrt.Runtime.Tests.Models.KvCache;

[TestFixture]
internal sealed class PagedKvCacheTests
{
    [Test]
    public void Reserve_GivesSlotsThroughTheBlockTable()
    {
        using var cache = new PagedKvCache(Device.Cpu, DType.F32, layers: 1, keyValueHeads: 1, headDim: 2, blockSize: 4);
        using var other = new SequenceBlocks(cache);
        using var sequence = new SequenceBlocks(cache);
        other.Reserve(3);
        other.Commit(3);

        var first = sequence.Reserve(6);
        sequence.Commit(6);
        var second = sequence.Reserve(3);

        // Blocks come out in order: the other sequence holds block 0, this one blocks 1 and 2, then 3.
        Assert.That(sequence.Table, Is.EqualTo(new[] { 1, 2, 3 }));
        Assert.That(first, Is.EqualTo(new[] { 4, 5, 6, 7, 8, 9 }));
        Assert.That(second, Is.EqualTo(new[] { 10, 11, 12 }));
    }

    [Test]
    public void Dispose_ReturnsTheBlocksForReuse()
    {
        using var cache = new PagedKvCache(Device.Cpu, DType.F32, layers: 1, keyValueHeads: 1, headDim: 2, blockSize: 4);
        var free = cache.FreeBlocks;
        using (var sequence = new SequenceBlocks(cache))
        {
            sequence.Reserve(9);
            Assert.That(cache.FreeBlocks, Is.EqualTo(free - 3));
        }

        Assert.That(cache.FreeBlocks, Is.EqualTo(free));
    }

    [Test]
    public void Allocate_BeyondCapacity_GrowsAndKeepsWrittenBlocks()
    {
        using var cache = new PagedKvCache(Device.Cpu, DType.F32, layers: 2, keyValueHeads: 1, headDim: 1, blockSize: 1);
        var capacity = cache.Capacity;
        var first = cache.Allocate(1)[0];
        cache.Keys(1).AsSpan<float>()[first] = 42f;
        cache.Values(0).AsSpan<float>()[first] = -7f;

        var more = cache.Allocate(capacity);

        Assert.That(cache.Capacity, Is.GreaterThanOrEqualTo(capacity + 1));
        Assert.That(more, Is.Unique.And.Not.Contains(first));
        Assert.That(cache.Keys(1).AsSpan<float>()[first], Is.EqualTo(42f));
        Assert.That(cache.Values(0).AsSpan<float>()[first], Is.EqualTo(-7f));
        Assert.That(cache.Keys(0).Shape.ToArray(), Is.EqualTo(new long[] { cache.Capacity, 1, 1, 1 }));
    }
}
