using System.Diagnostics.CodeAnalysis;

namespace Qrt.Runtime.Tests.Support;

/// <summary>
/// A tensor argument described rather than made, so that a bad-argument case can swap one argument of a valid call.
/// Zeros of a dtype and shape unless given values, which take no part in most of libqrt's checks.
/// </summary>
internal sealed record TensorSpec(DType DType, long[] Shape)
{
    /// <summary>The values of a floating-point tensor, stored through <see cref="TensorBits"/>.</summary>
    public float[]? Floats { get; init; }

    /// <summary>The values of an I32 tensor.</summary>
    public int[]? Ints { get; init; }

    /// <summary>Element strides of a view over a buffer just large enough; contiguous when null.</summary>
    public long[]? Strides { get; init; }

    /// <summary>Whether the tensor is disposed before the call.</summary>
    public bool IsDisposed { get; init; }

    public static TensorSpec Zeros(DType dtype, params long[] shape) => new(dtype, shape);

    public static TensorSpec Values(DType dtype, float[] values, params long[] shape) => new(dtype, shape) { Floats = values };

    public static TensorSpec Values(int[] values, params long[] shape) => new(DType.I32, shape) { Ints = values };

    public TensorSpec Disposed() => this with { IsDisposed = true };

    public TensorSpec WithStrides(params long[] strides) => this with { Strides = strides };
}

/// <summary>Makes the tensors of one described call and disposes them together, views' buffers included.</summary>
internal sealed class TensorScope : IDisposable
{
    private readonly List<QrtTensor> _tensors = [];

    [return: NotNullIfNotNull(nameof(spec))]
    public QrtTensor? Make(TensorSpec? spec)
    {
        if (spec is null)
        {
            return null;
        }

        var tensor = Keep(spec.Strides is null ? Contiguous(spec) : Keep(Buffer(spec)).View(spec.Shape, spec.Strides));
        if (spec.IsDisposed)
        {
            tensor.Dispose();
        }

        return tensor;
    }

    public void Dispose()
    {
        foreach (var tensor in _tensors)
        {
            tensor.Dispose();
        }
    }

    private static QrtTensor Contiguous(TensorSpec spec) =>
        spec.Floats is not null ? TensorBits.Upload(spec.DType, spec.Floats, spec.Shape)
        : spec.Ints is not null ? QrtTensor.FromData<int>(spec.Ints, spec.DType, spec.Shape)
        : QrtTensor.Zeros(spec.DType, spec.Shape);

    private static QrtTensor Buffer(TensorSpec spec) =>
        QrtTensor.Zeros(spec.DType, [1 + spec.Shape.Zip(spec.Strides!, (extent, stride) => (extent - 1) * stride).Sum()]);

    private QrtTensor Keep(QrtTensor tensor)
    {
        _tensors.Add(tensor);
        return tensor;
    }
}
