namespace Qrt.Runtime.Models.KvCache;

/// <summary>
/// The blocks of one sequence in a <see cref="PagedKvCache"/>: its block table (position p lives in block
/// table[p / block size], row p % block size) and how many positions are filled.
/// </summary>
internal sealed class SequenceBlocks(PagedKvCache cache) : IDisposable
{
    private readonly List<int> _table = [];
    private bool _disposed;

    /// <summary>Positions written so far.</summary>
    public int Length { get; private set; }

    /// <summary>The block ids in order.</summary>
    public IReadOnlyList<int> Table => _table;

    /// <summary>
    /// Makes room for <paramref name="count"/> more positions and returns their cache slots (block · block size
    /// + row), the form <see cref="Ops.KvCacheWrite"/> takes. <see cref="Commit"/> then counts them as written.
    /// </summary>
    public int[] Reserve(int count)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var blockSize = cache.BlockSize;
        var neededBlocks = (Length + count + blockSize - 1) / blockSize;
        if (neededBlocks > _table.Count)
        {
            _table.AddRange(cache.Allocate(neededBlocks - _table.Count));
        }

        var slots = new int[count];
        for (var i = 0; i < count; i++)
        {
            var position = Length + i;
            slots[i] = checked((_table[position / blockSize] * blockSize) + (position % blockSize));
        }

        return slots;
    }

    /// <summary>Counts <paramref name="count"/> reserved positions as written.</summary>
    public void Commit(int count) => Length += count;

    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            cache.Release(_table);
            _table.Clear();
        }
    }
}
