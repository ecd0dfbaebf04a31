using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Qrt.Bindings;
using Qrt.Runtime.Interop;

namespace Qrt.Runtime;

/// <summary>
/// An n-dimensional array in native memory on one device, or a view of another tensor's memory.
/// A tensor made by <see cref="Empty"/>, <see cref="Zeros"/>, <see cref="FromData{T}"/> or
/// <see cref="FromFloats"/> owns its memory and frees it on <see cref="Dispose"/>; views made by
/// <see cref="Reshape"/>, <see cref="Slice"/> or <see cref="View"/> share it, and fail with
/// <see cref="ObjectDisposedException"/> once the owner is disposed.
/// </summary>
public sealed class QrtTensor : IDisposable
{
    private readonly long[] _shape;
    private readonly long[] _strides;
    private readonly long _elementOffset;
    private readonly bool _ownsBuffer;

    private QrtTensor(DeviceBuffer buffer, bool ownsBuffer, DType dtype, long[] shape, long[] strides, long elementOffset)
    {
        Buffer = buffer;
        _ownsBuffer = ownsBuffer;
        DType = dtype;
        _shape = shape;
        _strides = strides;
        _elementOffset = elementOffset;
    }

    /// <summary>The element type.</summary>
    public DType DType { get; }

    /// <summary>The device the memory lives on.</summary>
    public Device Device => Buffer.Device;

    /// <summary>Number of dimensions.</summary>
    public int Rank => _shape.Length;

    /// <summary>Extent of each dimension.</summary>
    public ReadOnlySpan<long> Shape => _shape;

    /// <summary>Distance in elements between neighbours along each dimension.</summary>
    public ReadOnlySpan<long> Strides => _strides;

    /// <summary>Total number of elements.</summary>
    public long ElementCount => Product(_shape);

    /// <summary>Whether the elements are laid out row-major without gaps.</summary>
    public bool IsContiguous
    {
        get
        {
            long expected = 1;
            for (var i = _shape.Length - 1; i >= 0; i--)
            {
                if (_shape[i] != 1 && _strides[i] != expected)
                {
                    return false;
                }

                expected *= _shape[i];
            }

            return true;
        }
    }

    internal DeviceBuffer Buffer { get; }

    /// <summary>Allocates an uninitialised tensor.</summary>
    public static QrtTensor Empty(DType dtype, ReadOnlySpan<long> shape, Device? device = null)
    {
        var dims = CheckedShape(shape);
        var bytes = checked(Product(dims) * dtype.ElementSize());
        var buffer = DeviceBuffer.Allocate(device ?? Device.Cpu, bytes);
        return new QrtTensor(buffer, ownsBuffer: true, dtype, dims, ContiguousStrides(dims), 0);
    }

    /// <summary>Allocates a tensor filled with zero bytes (0, 0.0 or +0 in every dtype).</summary>
    public static QrtTensor Zeros(DType dtype, ReadOnlySpan<long> shape, Device? device = null)
    {
        var tensor = Empty(dtype, shape, device);
        try
        {
            Transfer.Fill(tensor, 0);
            return tensor;
        }
        catch
        {
            tensor.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Copies raw elements into a new tensor. <typeparamref name="T"/> must have the dtype's size: e.g.
    /// float for F32, ushort for BF16 or F16 bit patterns, byte for F8E4M3, int for packed 4-bit words.
    /// </summary>
    public static QrtTensor FromData<T>(ReadOnlySpan<T> data, DType dtype, ReadOnlySpan<long> shape, Device? device = null)
        where T : unmanaged
    {
        var tensor = Empty(dtype, shape, device);
        try
        {
            tensor.CopyFrom(data);
            return tensor;
        }
        catch
        {
            tensor.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Makes a tensor of any floating-point dtype from FP32 values, rounding to nearest even (FP8 saturates
    /// at ±448) with libqrt's own conversion.
    /// </summary>
    public static QrtTensor FromFloats(ReadOnlySpan<float> values, DType dtype, ReadOnlySpan<long> shape, Device? device = null)
    {
        if (!dtype.IsFloatingPoint())
        {
            throw new ArgumentException($"FromFloats needs a floating-point dtype, got {dtype}.", nameof(dtype));
        }

        var target = device ?? Device.Cpu;
        if (dtype == DType.F32 && target == Device.Cpu)
        {
            return FromData(values, DType.F32, shape);
        }

        using var staging = FromData(values, DType.F32, shape);
        var converted = Empty(dtype, shape);
        try
        {
            Ops.Copy(Transfer.CpuStream, staging, converted);
        }
        catch
        {
            converted.Dispose();
            throw;
        }

        if (target == Device.Cpu)
        {
            return converted;
        }

        using (converted)
        {
            return converted.To(target);
        }
    }

    /// <summary>Extent of a dimension; negative dims count from the end.</summary>
    public long Size(int dim) => _shape[NormalizeDim(dim)];

    /// <summary>Copies the elements, in row-major order, into a new array of raw values.</summary>
    public T[] ToArray<T>()
        where T : unmanaged
    {
        CheckElementType<T>();
        var result = new T[ElementCount];
        if (IsContiguous)
        {
            Transfer.Download(this, MemoryMarshal.AsBytes(result.AsSpan()));
            return result;
        }

        using var compact = Contiguous();
        Transfer.Download(compact, MemoryMarshal.AsBytes(result.AsSpan()));
        return result;
    }

    /// <summary>Copies the elements, in row-major order, as FP32 values.</summary>
    public float[] ToFloats()
    {
        if (DType == DType.F32)
        {
            return ToArray<float>();
        }

        if (!DType.IsFloatingPoint())
        {
            throw new InvalidOperationException($"ToFloats needs a floating-point tensor, this one is {DType}.");
        }

        using var host = Device == Device.Cpu ? View(_shape, _strides) : To(Device.Cpu);
        using var widened = Empty(DType.F32, _shape);
        Ops.Copy(Transfer.CpuStream, host, widened);
        return widened.ToArray<float>();
    }

    /// <summary>Overwrites a contiguous tensor's elements with raw values of the dtype's size.</summary>
    public void CopyFrom<T>(ReadOnlySpan<T> data)
        where T : unmanaged
    {
        CheckElementType<T>();
        if (data.Length != ElementCount)
        {
            throw new ArgumentException($"Expected {ElementCount} elements for shape {ShapeString(_shape)}, got {data.Length}.", nameof(data));
        }

        if (!IsContiguous)
        {
            throw new InvalidOperationException("CopyFrom needs a contiguous tensor.");
        }

        Transfer.Upload(MemoryMarshal.AsBytes(data), this);
    }

    /// <summary>A copy of this tensor on another device (or a contiguous copy on the same one).</summary>
    public QrtTensor To(Device device)
    {
        using var compact = IsContiguous ? View(_shape, _strides) : Contiguous();
        var copy = Empty(DType, _shape, device);
        try
        {
            Transfer.Copy(compact, copy);
            return copy;
        }
        catch
        {
            copy.Dispose();
            throw;
        }
    }

    /// <summary>An owning, contiguous copy on the same device.</summary>
    public QrtTensor Clone() => To(Device);

    /// <summary>A view with another shape of the same elements; the tensor must be contiguous.</summary>
    public QrtTensor Reshape(ReadOnlySpan<long> shape)
    {
        var dims = CheckedShape(shape);
        if (Product(dims) != ElementCount)
        {
            throw new ArgumentException($"Cannot reshape {ShapeString(_shape)} ({ElementCount} elements) to {ShapeString(dims)}.", nameof(shape));
        }

        if (!IsContiguous)
        {
            throw new InvalidOperationException($"Reshape needs a contiguous tensor; {this} has strides {ShapeString(_strides)}.");
        }

        return new QrtTensor(Buffer, ownsBuffer: false, DType, dims, ContiguousStrides(dims), _elementOffset);
    }

    /// <summary>A view of <paramref name="length"/> entries of dimension <paramref name="dim"/> from <paramref name="start"/>.</summary>
    public QrtTensor Slice(int dim, long start, long length)
    {
        var d = NormalizeDim(dim);
        if (start < 0 || length < 0 || start + length > _shape[d])
        {
            throw new ArgumentOutOfRangeException(nameof(start), $"Slice [{start}, {start + length}) is outside dimension {d} of extent {_shape[d]}.");
        }

        var shape = (long[])_shape.Clone();
        shape[d] = length;
        return new QrtTensor(Buffer, ownsBuffer: false, DType, shape, (long[])_strides.Clone(), _elementOffset + (start * _strides[d]));
    }

    /// <summary>
    /// A view with explicit shape and strides (in elements) starting <paramref name="elementOffset"/>
    /// elements after this view's first element. Every addressed element must lie inside the memory.
    /// </summary>
    public QrtTensor View(ReadOnlySpan<long> shape, ReadOnlySpan<long> strides, long elementOffset = 0)
    {
        var dims = CheckedShape(shape);
        if (strides.Length != dims.Length)
        {
            throw new ArgumentException($"{dims.Length} dimensions need {dims.Length} strides, got {strides.Length}.", nameof(strides));
        }

        var offset = _elementOffset + elementOffset;
        long last = offset;
        for (var i = 0; i < dims.Length; i++)
        {
            if (strides[i] < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(strides), "Strides must not be negative.");
            }

            last += (dims[i] - 1) * strides[i];
        }

        var capacity = Buffer.ByteLength / DType.ElementSize();
        if (Product(dims) > 0 && (offset < 0 || last >= capacity))
        {
            throw new ArgumentOutOfRangeException(nameof(shape), $"The view addresses elements outside the tensor's memory of {capacity} elements.");
        }

        return new QrtTensor(Buffer, ownsBuffer: false, DType, dims, strides.ToArray(), offset);
    }

    /// <summary>
    /// The elements of a contiguous CPU tensor as a span over its native memory. The span is valid until
    /// the owning tensor is disposed.
    /// </summary>
    public unsafe Span<T> AsSpan<T>()
        where T : unmanaged
    {
        CheckElementType<T>();
        if (Device != Device.Cpu || !IsContiguous)
        {
            throw new InvalidOperationException($"AsSpan needs a contiguous CPU tensor; this is {this}.");
        }

        ObjectDisposedException.ThrowIf(Buffer.IsClosed, this);
        return new Span<T>((T*)DataPointer, checked((int)ElementCount));
    }

    /// <inheritdoc />
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"QrtTensor({DType} {ShapeString(_shape)} on {Device})");

    /// <summary>Frees the memory if this tensor owns it; a view only lets go of its reference.</summary>
    public void Dispose()
    {
        if (_ownsBuffer)
        {
            Buffer.Dispose();
        }
    }

    /// <summary>The descriptor libqrt reads. Valid while a <see cref="NativeCall"/> holds this tensor.</summary>
    internal unsafe qrt_tensor ToNative()
    {
        if (Rank > (int)qrt_constants.QRT_MAX_RANK)
        {
            throw new InvalidOperationException($"{this} has rank {Rank}; libqrt takes at most {(int)qrt_constants.QRT_MAX_RANK}.");
        }

        var native = new qrt_tensor
        {
            data = (void*)DataPointer,
            dtype = (int)DType,
            rank = Rank,
            device = Device.ToNative(),
        };
        for (var i = 0; i < Rank; i++)
        {
            native.shape[i] = _shape[i];
            native.strides[i] = _strides[i];
        }

        return native;
    }

    internal nint DataPointer => Buffer.DangerousGetHandle() + (nint)(_elementOffset * DType.ElementSize());

    internal long ByteCount => ElementCount * DType.ElementSize();

    private static long Product(ReadOnlySpan<long> shape)
    {
        long count = 1;
        foreach (var extent in shape)
        {
            count = checked(count * extent);
        }

        return count;
    }

    private static long[] CheckedShape(ReadOnlySpan<long> shape)
    {
        foreach (var extent in shape)
        {
            if (extent < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(shape), $"Shape {ShapeString(shape)} has a negative extent.");
            }
        }

        return shape.ToArray();
    }

    private static long[] ContiguousStrides(long[] shape)
    {
        var strides = new long[shape.Length];
        long stride = 1;
        for (var i = shape.Length - 1; i >= 0; i--)
        {
            strides[i] = stride;
            stride *= shape[i];
        }

        return strides;
    }

    private static string ShapeString(ReadOnlySpan<long> shape) =>
        "[" + string.Join(", ", shape.ToArray().Select(extent => extent.ToString(CultureInfo.InvariantCulture))) + "]";

    private int NormalizeDim(int dim)
    {
        var d = dim < 0 ? dim + Rank : dim;
        if (d < 0 || d >= Rank)
        {
            throw new ArgumentOutOfRangeException(nameof(dim), $"Dimension {dim} does not exist in a tensor of rank {Rank}.");
        }

        return d;
    }

    private void CheckElementType<T>()
        where T : unmanaged
    {
        if (Unsafe.SizeOf<T>() != DType.ElementSize())
        {
            throw new ArgumentException($"{typeof(T).Name} has {Unsafe.SizeOf<T>()} bytes but {DType} elements have {DType.ElementSize()}.");
        }
    }

    private QrtTensor Contiguous()
    {
        var copy = Empty(DType, _shape, Device);
        try
        {
            Ops.Copy(Transfer.StreamFor(Device), this, copy);
            Transfer.StreamFor(Device).Synchronize();
            return copy;
        }
        catch
        {
            copy.Dispose();
            throw;
        }
    }
}
