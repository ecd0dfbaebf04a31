namespace Qrt.Bindings.Generator;

/// <summary>The declarations of one C header, in the order the header declares them.</summary>
/// <param name="Types">Enums and structs (complete and opaque).</param>
/// <param name="Functions">Function declarations.</param>
internal sealed record HeaderModel(IReadOnlyList<TypeDeclaration> Types, IReadOnlyList<FunctionDeclaration> Functions);

/// <summary>An enum or struct declared by the header, under the name C code uses for it.</summary>
internal abstract record TypeDeclaration(string Name, Documentation Documentation);

/// <summary>A C enum; members keep their header order.</summary>
internal sealed record EnumDeclaration(string Name, IReadOnlyList<EnumMember> Members, Documentation Documentation)
    : TypeDeclaration(Name, Documentation);

/// <summary>One enumerator with its value.</summary>
internal sealed record EnumMember(string Name, long Value, Documentation Documentation);

/// <summary>A C struct. An opaque struct (declared, never defined) has no fields and is used through pointers.</summary>
internal sealed record StructDeclaration(
    string Name,
    bool IsOpaque,
    IReadOnlyList<FieldDeclaration> Fields,
    Documentation Documentation)
    : TypeDeclaration(Name, Documentation);

/// <summary>One struct field.</summary>
internal sealed record FieldDeclaration(string Name, CType Type, Documentation Documentation);

/// <summary>One exported function.</summary>
internal sealed record FunctionDeclaration(
    string Name,
    CType ReturnType,
    IReadOnlyList<ParameterDeclaration> Parameters,
    Documentation Documentation);

/// <summary>One function parameter.</summary>
internal sealed record ParameterDeclaration(string Name, CType Type);

/// <summary>
/// A declaration's doc comment: the summary as paragraphs of lines, plus optional returns and parameter text
/// (from \returns and \param commands).
/// </summary>
internal sealed record Documentation(
    IReadOnlyList<IReadOnlyList<string>> Paragraphs,
    IReadOnlyList<string> Returns,
    IReadOnlyList<KeyValuePair<string, IReadOnlyList<string>>> Parameters)
{
    public static Documentation None { get; } = new([], [], []);

    public bool IsEmpty => Paragraphs.Count == 0 && Returns.Count == 0 && Parameters.Count == 0;
}
