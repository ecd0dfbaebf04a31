namespace Qrt.Runtime.Models.Loading;

/// <summary>
/// The parts of an object under construction (tensors, layers), freed if construction fails before
/// <see cref="Complete{T}"/>: <c>using var build = new PartialBuild(); var w = build.Add(load()); … return
/// build.Complete(new Layer(w, …));</c>. Composite parts dispose their children too; disposing a tensor or a layer
/// twice is harmless.
/// </summary>
internal sealed class PartialBuild : IDisposable
{
    private List<IDisposable>? _parts = [];

    /// <summary>Records <paramref name="part"/> to free on failure, and returns it.</summary>
    public T Add<T>(T part)
        where T : IDisposable
    {
        ObjectDisposedException.ThrowIf(_parts is null, this);
        _parts.Add(part);
        return part;
    }

    /// <summary>As <see cref="Add{T}"/> for a part that may be absent.</summary>
    public T? AddOptional<T>(T? part)
        where T : class, IDisposable => part is null ? null : Add(part);

    /// <summary>Construction succeeded: the parts now belong to <paramref name="result"/>, which is returned.</summary>
    public T Complete<T>(T result)
    {
        _parts = null;
        return result;
    }

    /// <summary>Frees every part unless <see cref="Complete{T}"/> was reached.</summary>
    public void Dispose()
    {
        if (_parts is null)
        {
            return;
        }

        foreach (var part in _parts)
        {
            part.Dispose();
        }

        _parts = null;
    }
}
