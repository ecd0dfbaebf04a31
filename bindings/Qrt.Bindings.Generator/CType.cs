namespace Qrt.Bindings.Generator;

/// <summary>A C type the generator can express in C#. <see cref="IsConst" /> qualifies this level of the type.</summary>
internal abstract record CType
{
    public bool IsConst { get; init; }

    /// <summary>The type as C spells it, normalised ("const qrt_tensor*", "char* const*").</summary>
    public abstract string CSpelling { get; }

    /// <summary>The blittable C# type ("qrt_tensor*", "byte*", "nuint").</summary>
    public abstract string CSharpSpelling { get; }

    protected string ConstPrefix => IsConst ? "const " : string.Empty;
}

/// <summary>void, char, float, double, size_t or a &lt;stdint.h&gt; fixed-width integer.</summary>
internal sealed record BuiltinType(string CName, string CSharpName) : CType
{
    public bool IsVoid => CName == "void";

    public override string CSpelling => ConstPrefix + CName;

    public override string CSharpSpelling => CSharpName;
}

/// <summary>An enum of the header.</summary>
internal sealed record EnumType(string Name) : CType
{
    public override string CSpelling => ConstPrefix + Name;

    public override string CSharpSpelling => Name;
}

/// <summary>A struct of the header; opaque ones may only be used through pointers.</summary>
internal sealed record StructType(string Name, bool IsOpaque) : CType
{
    public override string CSpelling => ConstPrefix + Name;

    public override string CSharpSpelling => Name;
}

/// <summary>A pointer; <see cref="CType.IsConst" /> is the pointer's own const (T* const).</summary>
internal sealed record PointerType(CType Pointee) : CType
{
    public override string CSpelling => Pointee.CSpelling + "*" + (IsConst ? " const" : string.Empty);

    public override string CSharpSpelling => Pointee.CSharpSpelling + "*";
}

/// <summary>A one-dimensional constant-size array (struct fields only).</summary>
internal sealed record ArrayType(CType Element, long Length) : CType
{
    public override string CSpelling =>
        Element.CSpelling + "[" + Length.ToString(System.Globalization.CultureInfo.InvariantCulture) + "]";

    public override string CSharpSpelling => Element.CSharpSpelling;
}
