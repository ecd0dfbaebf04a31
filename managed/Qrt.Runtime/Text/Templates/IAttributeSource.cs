namespace Qrt.Runtime.Text.Templates;

/// <summary>A runtime object with named attributes (a namespace, the loop variable).</summary>
internal interface IAttributeSource
{
    /// <summary>The attribute's value, or an <see cref="Undefined" /> saying it is missing.</summary>
    object? GetAttribute(string name);
}
