using System.Collections.Concurrent;

namespace Qrt.Runtime.Text.Tokenization.Models;

/// <summary>
/// A bounded, thread-safe word → ids cache looked up by span (no string is made for a hit). Like the reference
/// implementation's cache it stops growing when full rather than evicting.
/// </summary>
internal sealed class WordCache
{
    private const int Capacity = 10_000;

    private readonly ConcurrentDictionary<string, int[]> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> _bySpan;
    private int _count;

    public WordCache() => _bySpan = _entries.GetAlternateLookup<ReadOnlySpan<char>>();

    public bool TryGet(ReadOnlySpan<char> word, out int[] ids) => _bySpan.TryGetValue(word, out ids!);

    public void TryAdd(ReadOnlySpan<char> word, int[] ids)
    {
        if (Volatile.Read(ref _count) < Capacity && _bySpan.TryAdd(word, ids))
        {
            Interlocked.Increment(ref _count);
        }
    }
}
