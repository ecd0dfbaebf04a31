namespace Qrt.Runtime.Models.KvCache;

/// <summary>
/// Keys and values of every layer in fixed-size blocks of <see cref="BlockSize"/> positions, shared by all
/// sequences of a model (vLLM's paged layout: each layer's cache is [blocks, block size, kv heads, head dim]).
/// Sequences take blocks as they grow and give them back when they end, so memory follows the tokens actually
/// held rather than the context limit. The pool starts small and doubles when a sequence needs more blocks
/// than are free; growing copies the existing blocks, and block ids stay valid.
/// </summary>
internal sealed class PagedKvCache : IDisposable
{
    private const int InitialBlocks = 16;

    private readonly Device _device;
    private readonly DType _dtype;
    private readonly int _keyValueHeads;
    private readonly int _headDim;
    private readonly QrtTensor[] _keys;
    private readonly QrtTensor[] _values;
    private readonly Stack<int> _free = new();
    private int _capacity;
    private bool _fixed;

    public PagedKvCache(Device device, DType dtype, int layers, int keyValueHeads, int headDim, int blockSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(layers);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(keyValueHeads);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(headDim);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(blockSize);
        _device = device;
        _dtype = dtype;
        _keyValueHeads = keyValueHeads;
        _headDim = headDim;
        BlockSize = blockSize;
        _keys = new QrtTensor[layers];
        _values = new QrtTensor[layers];
        Grow(InitialBlocks);
    }

    /// <summary>Positions per block.</summary>
    public int BlockSize { get; }

    /// <summary>Blocks in the pool, used or free.</summary>
    public int Capacity => _capacity;

    /// <summary>Blocks not held by any sequence.</summary>
    public int FreeBlocks => _free.Count;

    /// <summary>Bytes the pool occupies on the device.</summary>
    public long Bytes => _capacity * BytesPerBlock;

    /// <summary>Bytes one block takes, keys and values of every layer.</summary>
    public long BytesPerBlock => 2L * _keys.Length * BlockSize * _keyValueHeads * _headDim * _dtype.ElementSize();

    /// <summary>Whether the pool has its final size (<see cref="FixCapacity"/>) and no longer grows.</summary>
    public bool IsFixed => _fixed;

    /// <summary>
    /// Grows the pool to exactly <paramref name="capacity"/> blocks (at least what it holds) and keeps it there: on a
    /// GPU the pool takes the memory budget once, as vLLM's does, and tensors captured in a CUDA graph keep their
    /// addresses. Blocks held by sequences stay valid.
    /// </summary>
    public void FixCapacity(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, _capacity);
        if (capacity > _capacity)
        {
            Grow(capacity);
        }

        _fixed = true;
    }

    /// <summary>Layer <paramref name="layer"/>'s key blocks [capacity, block size, kv heads, head dim]; replaced when the pool grows.</summary>
    public QrtTensor Keys(int layer) => _keys[layer];

    /// <summary>Layer <paramref name="layer"/>'s value blocks, shaped like <see cref="Keys"/>.</summary>
    public QrtTensor Values(int layer) => _values[layer];

    /// <summary>Takes <paramref name="count"/> free blocks, growing the pool if needed.</summary>
    public int[] Allocate(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (count > _free.Count && _fixed)
        {
            throw new InsufficientDeviceMemoryException(string.Create(
                System.Globalization.CultureInfo.InvariantCulture,
                $"the KV cache is full: {count} more blocks of {BlockSize} positions are needed but {_free.Count} of its {_capacity} are free; end other sequences, or load the model with a larger GPU memory share"));
        }

        if (count > _free.Count)
        {
            var needed = _capacity - _free.Count + count;
            var target = _capacity;
            while (target < needed)
            {
                target = checked(target * 2);
            }

            Grow(target);
        }

        var blocks = new int[count];
        for (var i = 0; i < count; i++)
        {
            blocks[i] = _free.Pop();
        }

        return blocks;
    }

    /// <summary>Returns blocks to the pool.</summary>
    public void Release(IEnumerable<int> blocks)
    {
        foreach (var block in blocks)
        {
            _free.Push(block);
        }
    }

    public void Dispose()
    {
        foreach (var tensor in _keys.Concat(_values))
        {
            tensor?.Dispose();
        }
    }

    private void Grow(int capacity)
    {
        for (var layer = 0; layer < _keys.Length; layer++)
        {
            _keys[layer] = Grown(_keys[layer], capacity);
            _values[layer] = Grown(_values[layer], capacity);
        }

        // Lower ids come out first, so a fresh pool hands out blocks in order.
        for (var block = capacity - 1; block >= _capacity; block--)
        {
            _free.Push(block);
        }

        _capacity = capacity;
    }

    private QrtTensor Grown(QrtTensor? old, int capacity)
    {
        var grown = QrtTensor.Empty(_dtype, [capacity, BlockSize, _keyValueHeads, _headDim], _device);
        if (old is null)
        {
            return grown;
        }

        using (old)
        using (var kept = grown.Slice(0, 0, _capacity))
        {
            Transfer.Copy(old, kept);
        }

        return grown;
    }
}
