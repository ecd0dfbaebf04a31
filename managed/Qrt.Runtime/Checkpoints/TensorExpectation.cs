namespace Qrt.Runtime.Checkpoints;

/// <summary>
/// What a model needs of one checkpoint tensor: the element types it accepts and the shapes it accepts (a
/// per-tensor scale, for instance, may be stored as [1] or as a scalar []).
/// </summary>
public sealed class TensorExpectation
{
    /// <summary>Accepts any of <paramref name="dtypes" /> with any of <paramref name="shapes" />.</summary>
    public TensorExpectation(IReadOnlyList<SafetensorsDType> dtypes, IReadOnlyList<IReadOnlyList<long>> shapes)
    {
        ArgumentNullException.ThrowIfNull(dtypes);
        ArgumentNullException.ThrowIfNull(shapes);
        ArgumentOutOfRangeException.ThrowIfZero(dtypes.Count, nameof(dtypes));
        ArgumentOutOfRangeException.ThrowIfZero(shapes.Count, nameof(shapes));
        DTypes = dtypes;
        Shapes = shapes;
    }

    /// <summary>The element types accepted.</summary>
    public IReadOnlyList<SafetensorsDType> DTypes { get; }

    /// <summary>The shapes accepted.</summary>
    public IReadOnlyList<IReadOnlyList<long>> Shapes { get; }

    /// <summary>One dtype, one shape.</summary>
    public static TensorExpectation Of(SafetensorsDType dtype, params long[] shape) => new([dtype], [shape]);

    /// <summary>Any of several dtypes, one shape.</summary>
    public static TensorExpectation OneOf(IReadOnlyList<SafetensorsDType> dtypes, params long[] shape) => new(dtypes, [shape]);

    /// <summary>Whether <paramref name="entry" /> has an accepted dtype.</summary>
    public bool AcceptsDType(TensorEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return DTypes.Contains(entry.DType);
    }

    /// <summary>Whether <paramref name="entry" /> has an accepted shape.</summary>
    public bool AcceptsShape(TensorEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return Shapes.Any(shape => TensorShapes.SameShape(shape, entry.Shape));
    }

    /// <summary>"BF16 or F16 [4096, 1024] or [4096]", for messages.</summary>
    public override string ToString() =>
        $"{string.Join(" or ", DTypes.Select(dtype => dtype.FileName()))} {string.Join(" or ", Shapes.Select(TensorShapes.Describe))}";
}
