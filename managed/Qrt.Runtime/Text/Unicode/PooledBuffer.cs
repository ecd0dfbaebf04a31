using System.Buffers;
using System.Runtime.CompilerServices;

namespace Qrt.Runtime.Text.Unicode;

/// <summary>A growable buffer over arrays rented from the shared pool; <see cref="Dispose" /> returns the array.</summary>
internal ref struct PooledBuffer<T>
{
    private T[] _array;
    private int _length;

    /// <summary>Rents room for at least <paramref name="capacity" /> items.</summary>
    public PooledBuffer(int capacity)
    {
        _array = ArrayPool<T>.Shared.Rent(Math.Max(capacity, 16));
        _length = 0;
    }

    /// <summary>The items appended so far.</summary>
    public readonly Span<T> Items => _array.AsSpan(0, _length);

    /// <summary>How many items were appended.</summary>
    public readonly int Length => _length;

    /// <summary>Forgets the items, keeping the array.</summary>
    public void Clear() => _length = 0;

    /// <summary>Drops the items from <paramref name="length" /> on.</summary>
    public void Truncate(int length) => _length = length;

    /// <summary>Appends one item.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Append(T item)
    {
        if (_length == _array.Length)
        {
            Grow(1);
        }

        _array[_length++] = item;
    }

    /// <summary>Appends <paramref name="items" />.</summary>
    public void Append(scoped ReadOnlySpan<T> items)
    {
        if (_array.Length - _length < items.Length)
        {
            Grow(items.Length);
        }

        items.CopyTo(_array.AsSpan(_length));
        _length += items.Length;
    }

    /// <summary>Returns the array to the pool.</summary>
    public void Dispose()
    {
        var array = _array;
        _array = [];
        _length = 0;
        if (array.Length > 0)
        {
            ArrayPool<T>.Shared.Return(array);
        }
    }

    private void Grow(int needed)
    {
        var larger = ArrayPool<T>.Shared.Rent(Math.Max(_array.Length * 2, _length + needed));
        _array.AsSpan(0, _length).CopyTo(larger);
        ArrayPool<T>.Shared.Return(_array);
        _array = larger;
    }
}
