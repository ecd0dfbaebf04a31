namespace Qrt.Runtime.Text.Templates;

/// <summary>
/// A template dict: insertion-ordered like a Python dict, with keys compared as Python compares them
/// (1, 1.0 and true are the same key). Keys are never null.
/// </summary>
internal sealed class DictValue : OrderedDictionary<object, object?>
{
    public DictValue()
        : base(PythonEquality.KeyComparer)
    {
    }

    /// <summary>Adds or replaces an entry; a null (none) key is refused as unsupported.</summary>
    public void Put(object? key, object? value)
    {
        if (key is null)
        {
            throw new TemplateRuntimeError("none cannot be a dict key here");
        }

        if (key is Undefined undefined)
        {
            throw new TemplateRuntimeError(undefined.Reason);
        }

        this[key] = value;
    }

    /// <summary>The value under <paramref name="key" />, or false when absent.</summary>
    public bool TryFind(object? key, out object? value)
    {
        if (key is null or Undefined)
        {
            value = null;
            return false;
        }

        return TryGetValue(key, out value);
    }
}
