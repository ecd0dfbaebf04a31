using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;

namespace Qrt.Runtime.Checkpoints;

/// <summary>
/// One safetensors file, memory-mapped read-only: an 8-byte little-endian header length, a JSON header, then
/// the tensors' bytes. Opening checks the whole header (see <see cref="Open" />), so every
/// <see cref="TensorEntry" /> it lists lies inside the file and shares no byte with another. The bytes are
/// read straight from the map; spans given out are valid until the file is disposed.
/// </summary>
public sealed unsafe class SafetensorsFile : IDisposable
{
    /// <summary>The format's bound on the header length, which keeps a lying length from exhausting memory.</summary>
    public const long MaxHeaderLength = 100_000_000;

    private const int LengthPrefixSize = sizeof(ulong);

    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly Dictionary<string, TensorEntry> _tensors;
    private byte* _base;

    private SafetensorsFile(string path, MemoryMappedFile map, MemoryMappedViewAccessor view, byte* start, long fileLength)
    {
        Path = path;
        _map = map;
        _view = view;
        _base = start;
        FileLength = fileLength;

        var headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(new ReadOnlySpan<byte>(start, LengthPrefixSize));
        DataStart = LengthPrefixSize + headerLength;
        var (metadata, tensors) = SafetensorsHeader.Parse(path, new ReadOnlySpan<byte>(start + LengthPrefixSize, checked((int)headerLength)), fileLength - DataStart);
        Metadata = metadata;
        _tensors = new Dictionary<string, TensorEntry>(tensors.Count, StringComparer.Ordinal);
        foreach (var tensor in tensors)
        {
            _tensors.Add(tensor.Name, new TensorEntry(this, tensor.Name, tensor.DType, tensor.Shape, tensor.ElementCount, DataStart + tensor.Begin, tensor.End - tensor.Begin));
        }

        Tensors = tensors.Select(tensor => _tensors[tensor.Name]).ToList();
    }

    /// <summary>The path the file was opened with.</summary>
    public string Path { get; }

    /// <summary>Size of the whole file in bytes.</summary>
    public long FileLength { get; }

    /// <summary>Offset of the data section (8 + header length).</summary>
    public long DataStart { get; }

    /// <summary>The header's "__metadata__" (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The tensors in header order.</summary>
    public IReadOnlyList<TensorEntry> Tensors { get; }

    /// <summary>The tensors by name.</summary>
    public IReadOnlyDictionary<string, TensorEntry> TensorsByName => _tensors;

    /// <summary>
    /// Opens and checks <paramref name="path" />: the header length must be at most
    /// <see cref="MaxHeaderLength" /> and fit in the file; the header must be a UTF-8 JSON object whose
    /// "__metadata__" (optional) maps strings to strings and whose other entries have a known dtype, a shape of
    /// non-negative integers and data_offsets [begin, end] with begin ≤ end inside the data section, spanning
    /// exactly element count × element size bytes; no two tensors may overlap. Any violation is a
    /// <see cref="ModelFileException" /> naming the file, the tensor and the numbers.
    /// </summary>
    public static SafetensorsFile Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new ModelFileException(path, $"cannot be read: {exception.Message}", exception);
        }

        MemoryMappedFile? map = null;
        MemoryMappedViewAccessor? view = null;
        var acquired = false;
        try
        {
            var fileLength = stream.Length;
            CheckHeaderLength(path, stream, fileLength);
            map = MemoryMappedFile.CreateFromFile(stream, mapName: null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
            view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            byte* start = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref start);
            acquired = true;
            return new SafetensorsFile(path, map, view, start + view.PointerOffset, fileLength);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            Release(stream, map, view, acquired);
            throw new ModelFileException(path, $"cannot be mapped: {exception.Message}", exception);
        }
        catch
        {
            Release(stream, map, view, acquired);
            throw;
        }
    }

    /// <summary>The tensor named <paramref name="name" />, or false.</summary>
    public bool TryGet(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out TensorEntry? entry) =>
        _tensors.TryGetValue(name, out entry);

    /// <summary>
    /// The bytes of <paramref name="entry" />, little-endian as stored, straight from the map. Valid until this
    /// file is disposed. A tensor over 2 GiB does not fit one span: read it in slices with
    /// <see cref="Bytes(TensorEntry, long, int)" />.
    /// </summary>
    public ReadOnlySpan<byte> Bytes(TensorEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (entry.ByteLength > int.MaxValue)
        {
            throw new ArgumentException($"tensor '{entry.Name}' holds {entry.ByteLength} bytes, more than one span can address; read it in slices", nameof(entry));
        }

        return Bytes(entry, 0, (int)entry.ByteLength);
    }

    /// <summary>Bytes [<paramref name="offset" />, offset + <paramref name="length" />) of <paramref name="entry" />.</summary>
    public ReadOnlySpan<byte> Bytes(TensorEntry entry, long offset, int length)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ObjectDisposedException.ThrowIf(_base == null, this);
        if (!ReferenceEquals(entry.File, this))
        {
            throw new ArgumentException($"tensor '{entry.Name}' belongs to {entry.File.Path}, not {Path}", nameof(entry));
        }

        if (offset < 0 || length < 0 || offset > entry.ByteLength - length)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"bytes [{offset}, {offset + length}) are outside tensor '{entry.Name}' of {entry.ByteLength} bytes");
        }

        return new ReadOnlySpan<byte>(_base + entry.FileOffset + offset, length);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_base == null)
        {
            return;
        }

        _base = null;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map.Dispose();
    }

    /// <inheritdoc />
    public override string ToString() => Path;

    private static void CheckHeaderLength(string path, FileStream stream, long fileLength)
    {
        if (fileLength < LengthPrefixSize)
        {
            throw new ModelFileException(path, $"is {fileLength} bytes long; a safetensors file starts with an {LengthPrefixSize}-byte header length");
        }

        Span<byte> prefix = stackalloc byte[LengthPrefixSize];
        stream.ReadExactly(prefix);
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > MaxHeaderLength)
        {
            throw new ModelFileException(path, $"declares a header of {headerLength} bytes, more than the format's bound of {MaxHeaderLength}");
        }

        if (headerLength > (ulong)(fileLength - LengthPrefixSize))
        {
            throw new ModelFileException(path, $"declares a header of {headerLength} bytes but only {fileLength - LengthPrefixSize} bytes follow the length (the file is truncated or not safetensors)");
        }
    }

    private static void Release(FileStream stream, MemoryMappedFile? map, MemoryMappedViewAccessor? view, bool acquired)
    {
        if (acquired)
        {
            view!.SafeMemoryMappedViewHandle.ReleasePointer();
        }

        view?.Dispose();
        map?.Dispose();
        stream.Dispose();
    }
}
