using System.Globalization;
using System.Text.Json;

namespace Qrt.Bindings.Generator;

/// <summary>
/// Reads clang's JSON AST of a C header (see <see cref="ClangRunner" />) and collects the header's own
/// enums, structs, opaque structs and functions, with their doc comments, into a <see cref="HeaderModel" />.
/// Declarations from included headers are skipped; any construct the bindings cannot express exactly is an error
/// that names the declaration.
/// </summary>
internal sealed class ClangAstReader
{
    private static readonly HashSet<string> LayoutAttributes = new(StringComparer.Ordinal)
    {
        "PackedAttr", "AlignedAttr", "MaxFieldAlignmentAttr", "MSStructAttr", "TransparentUnionAttr",
    };

    private readonly string headerPath;
    private readonly string headerDisplayName;
    private readonly DocCommentReader comments;

    private readonly List<TagEntry> tags = [];
    private readonly Dictionary<string, TagEntry> tagsById = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TagEntry> tagsByName = new(StringComparer.Ordinal);
    private readonly List<JsonElement> functionNodes = [];
    private readonly HashSet<string> functionNames = new(StringComparer.Ordinal);

    private ClangAstReader(string headerPath, string headerDisplayName)
    {
        this.headerPath = headerPath;
        this.headerDisplayName = headerDisplayName;
        comments = new DocCommentReader(File.ReadAllBytes(headerPath));
    }

    /// <summary>Runs <paramref name="clangPath" /> on the header and returns its declarations.</summary>
    /// <param name="headerPath">The header to read.</param>
    /// <param name="clangPath">The clang executable.</param>
    /// <param name="headerDisplayName">How messages name the header (e.g. native/include/qrt.h).</param>
    public static HeaderModel Read(string headerPath, string clangPath, string headerDisplayName)
    {
        var fullHeaderPath = Path.GetFullPath(headerPath);
        if (!File.Exists(fullHeaderPath))
        {
            throw new BindingsGeneratorException($"header not found: {headerPath}");
        }

        var json = ClangRunner.DumpJsonAst(clangPath, fullHeaderPath, headerDisplayName);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 4096 });
        }
        catch (JsonException exception)
        {
            throw new BindingsGeneratorException(
                $"could not parse the JSON AST that {clangPath} printed for {headerDisplayName}: {exception.Message}", exception);
        }

        using (document)
        {
            var reader = new ClangAstReader(fullHeaderPath, headerDisplayName);
            reader.CollectTopLevel(document.RootElement);
            return reader.BuildModel();
        }
    }

    private void CollectTopLevel(JsonElement root)
    {
        var tracker = new SourceFileTracker();
        var headerFullPath = NormalizePath(headerPath);
        foreach (var node in ClangJson.Inner(root))
        {
            var file = tracker.WalkDeclaration(node);
            if (file is null || ClangJson.Bool(node, "isImplicit") || NormalizePath(file) != headerFullPath)
            {
                continue;
            }

            var kind = ClangJson.Kind(node);
            var name = ClangJson.String(node, "name");
            switch (kind)
            {
                case "EnumDecl":
                    CollectEnum(node, name);
                    break;
                case "RecordDecl":
                    CollectRecord(node, name);
                    break;
                case "TypedefDecl":
                    CollectTypedef(node, name ?? string.Empty);
                    break;
                case "FunctionDecl":
                    CollectFunction(node, name ?? string.Empty);
                    break;
                case "StaticAssertDecl" or "EmptyDecl":
                    break;
                default:
                    throw Unsupported(
                        name is null ? $"{kind} declaration" : $"{Describe(kind)} {name}",
                        "only enums, structs, typedefs of them and functions are supported");
            }
        }
    }

    private void CollectEnum(JsonElement node, string? name)
    {
        var what = name is null ? "anonymous enum" : $"enum {name}";
        if (node.TryGetProperty("fixedUnderlyingType", out var fixedType)
            && ClangJson.String(fixedType, "qualType") is { } underlying
            && underlying != "int")
        {
            throw Unsupported(what, $"underlying type '{underlying}' is not supported; only int enums are");
        }

        if (name is not null && tagsByName.ContainsKey(name))
        {
            throw Unsupported(what, "declared more than once");
        }

        AddTag(new TagEntry(TagKind.Enum, name, node), node);
    }

    private void CollectRecord(JsonElement node, string? name)
    {
        var tagUsed = ClangJson.String(node, "tagUsed") ?? "struct";
        var what = name is null ? $"anonymous {tagUsed}" : $"{tagUsed} {name}";
        if (tagUsed != "struct")
        {
            throw Unsupported(what, $"{tagUsed}s are not supported");
        }

        var isDefinition = ClangJson.Bool(node, "completeDefinition");
        if (name is not null && tagsByName.TryGetValue(name, out var existing))
        {
            if (existing.Kind != TagKind.Struct)
            {
                throw Unsupported(what, "declared as both an enum and a struct");
            }

            if (isDefinition)
            {
                if (existing.Definition is not null)
                {
                    throw Unsupported(what, "defined more than once");
                }

                existing.Definition = node;
            }

            if (ClangJson.String(node, "id") is { } id)
            {
                tagsById[id] = existing;
            }

            return;
        }

        var entry = new TagEntry(TagKind.Struct, name, node) { Definition = isDefinition ? node : null };
        AddTag(entry, node);
    }

    private void AddTag(TagEntry entry, JsonElement node)
    {
        tags.Add(entry);
        if (ClangJson.String(node, "id") is { } id)
        {
            tagsById[id] = entry;
        }

        if (entry.Name is not null)
        {
            tagsByName[entry.Name] = entry;
        }
    }

    private void CollectTypedef(JsonElement node, string name)
    {
        var qualType = ClangJson.QualType(node) ?? string.Empty;
        var namesTag = (qualType.StartsWith("struct ", StringComparison.Ordinal) || qualType.StartsWith("enum ", StringComparison.Ordinal))
            && !qualType.Contains('*', StringComparison.Ordinal)
            && !qualType.EndsWith(']');
        var entry = namesTag ? FindReferencedTag(node) : null;
        if (entry is null && namesTag)
        {
            var words = qualType.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words.Length == 2 && words[0] is "struct" or "enum")
            {
                tagsByName.TryGetValue(words[1], out entry);
            }
        }

        if (entry is null)
        {
            throw Unsupported(
                $"typedef {name}",
                $"type '{qualType}' is not supported; only typedefs that name one of this header's structs or enums are");
        }

        var tagKind = entry.Kind == TagKind.Enum ? "enum" : "struct";
        if (entry.Name is null)
        {
            entry.Name = name;
            if (tagsByName.ContainsKey(name))
            {
                throw Unsupported($"typedef {name}", "the name is already used by another struct or enum");
            }

            tagsByName[name] = entry;
        }
        else if (entry.Name != name)
        {
            throw Unsupported(
                $"typedef {name}",
                $"it renames {tagKind} {entry.Name}; give the typedef the same name as the tag");
        }

        if (entry.TypedefNode is not null)
        {
            throw Unsupported($"typedef {name}", "declared more than once");
        }

        entry.TypedefNode = node;
    }

    private TagEntry? FindReferencedTag(JsonElement node)
    {
        foreach (var child in ClangJson.Inner(node))
        {
            foreach (var property in (string[])["ownedTagDecl", "decl"])
            {
                if (child.TryGetProperty(property, out var declaration)
                    && ClangJson.String(declaration, "id") is { } id
                    && tagsById.TryGetValue(id, out var entry))
                {
                    return entry;
                }
            }

            if (FindReferencedTag(child) is { } nested)
            {
                return nested;
            }
        }

        return null;
    }

    private void CollectFunction(JsonElement node, string name)
    {
        if (functionNames.Contains(name))
        {
            // A redeclaration: the first declaration (with its doc comment) is the one bound.
            return;
        }

        functionNames.Add(name);
        functionNodes.Add(node);
    }

    private HeaderModel BuildModel()
    {
        foreach (var entry in tags)
        {
            if (entry.Name is null)
            {
                throw Unsupported(
                    $"anonymous {(entry.Kind == TagKind.Enum ? "enum" : "struct")}",
                    "it has no name; declare it as typedef enum/struct name { ... } name;");
            }
        }

        // Shells (names, kinds, opaqueness) are all the type parser needs to resolve references.
        var shells = new Dictionary<string, TypeDeclaration>(StringComparer.Ordinal);
        foreach (var entry in tags)
        {
            shells[entry.Name!] = entry.Kind == TagKind.Enum
                ? new EnumDeclaration(entry.Name!, [], Documentation.None)
                : new StructDeclaration(entry.Name!, entry.Definition is null, [], Documentation.None);
        }

        var types = new List<TypeDeclaration>();
        foreach (var entry in tags)
        {
            types.Add(entry.Kind == TagKind.Enum ? BuildEnum(entry) : BuildStruct(entry, shells));
        }

        var functions = functionNodes.Select(node => BuildFunction(node, shells)).ToList();
        return new HeaderModel(types, functions);
    }

    private Documentation TagDocumentation(TagEntry entry, string context)
    {
        var documentation = ReadDocumentation(entry.Definition ?? entry.FirstNode, context);
        if (documentation.IsEmpty && entry.Definition is not null)
        {
            documentation = ReadDocumentation(entry.FirstNode, context);
        }

        if (documentation.IsEmpty && entry.TypedefNode is { } typedefNode)
        {
            documentation = ReadDocumentation(typedefNode, context);
        }

        return documentation;
    }

    private EnumDeclaration BuildEnum(TagEntry entry)
    {
        var context = $"enum {entry.Name}";
        var members = new List<EnumMember>();
        long next = 0;
        foreach (var child in ClangJson.Inner(entry.FirstNode))
        {
            if (ClangJson.Kind(child) != "EnumConstantDecl")
            {
                continue;
            }

            var memberName = ClangJson.String(child, "name") ?? string.Empty;
            var memberContext = $"{context}, member {memberName}";
            var value = next;
            foreach (var part in ClangJson.Inner(child))
            {
                var kind = ClangJson.Kind(part);
                if (kind == "FullComment")
                {
                    continue;
                }

                if (kind == "ConstantExpr"
                    && ClangJson.String(part, "value") is { } text
                    && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var explicitValue))
                {
                    value = explicitValue;
                    break;
                }

                throw Unsupported(memberContext, "clang did not report the value of its initializer");
            }

            if (value is < int.MinValue or > int.MaxValue)
            {
                throw Unsupported(memberContext, $"value {value.ToString(CultureInfo.InvariantCulture)} does not fit in int");
            }

            members.Add(new EnumMember(memberName, value, ReadDocumentation(child, memberContext)));
            next = value + 1;
        }

        return new EnumDeclaration(entry.Name!, members, TagDocumentation(entry, context));
    }

    private StructDeclaration BuildStruct(TagEntry entry, Dictionary<string, TypeDeclaration> shells)
    {
        var context = $"struct {entry.Name}";
        if (entry.Definition is not { } definition)
        {
            return new StructDeclaration(entry.Name!, true, [], TagDocumentation(entry, context));
        }

        var fields = new List<FieldDeclaration>();
        foreach (var child in ClangJson.Inner(definition))
        {
            var kind = ClangJson.Kind(child);
            switch (kind)
            {
                case "FullComment":
                    break;
                case "FieldDecl":
                    fields.Add(BuildField(entry.Name!, child, shells));
                    break;
                case "RecordDecl" or "EnumDecl":
                    throw Unsupported(context, "nested struct, union or enum definitions are not supported; declare them at file scope");
                default:
                    if (kind is not null && LayoutAttributes.Contains(kind))
                    {
                        throw Unsupported(context, $"layout attribute {kind} is not supported");
                    }

                    break;
            }
        }

        if (fields.Count == 0)
        {
            throw Unsupported(context, "a struct without fields has no portable layout");
        }

        return new StructDeclaration(entry.Name!, false, fields, TagDocumentation(entry, context));
    }

    private FieldDeclaration BuildField(string structName, JsonElement node, Dictionary<string, TypeDeclaration> shells)
    {
        var name = ClangJson.String(node, "name");
        if (string.IsNullOrEmpty(name))
        {
            throw Unsupported($"struct {structName}", "anonymous struct or union members are not supported");
        }

        var context = $"struct {structName}, field {name}";
        if (ClangJson.Bool(node, "isBitfield"))
        {
            throw Unsupported(context, "bit-fields are not supported");
        }

        foreach (var child in ClangJson.Inner(node))
        {
            if (ClangJson.Kind(child) is { } kind && LayoutAttributes.Contains(kind))
            {
                throw Unsupported(context, $"layout attribute {kind} is not supported");
            }
        }

        if (name == structName)
        {
            throw Unsupported(context, "a field cannot have the name of its struct in C#");
        }

        var type = ParseType(node, shells, context);
        switch (type)
        {
            case BuiltinType { IsVoid: true }:
                throw Unsupported(context, "a field cannot have type void");
            case StructType { IsOpaque: true } opaque:
                throw Unsupported(context, $"opaque struct {opaque.Name} can only be used through a pointer");
            case ArrayType array when array.Element is not BuiltinType { IsVoid: false, CName: not "size_t" }:
                throw Unsupported(
                    context,
                    $"arrays of {array.Element.CSpelling} are not supported; C# fixed buffers hold only fixed-size primitive types");
        }

        return new FieldDeclaration(name, type, ReadDocumentation(node, context));
    }

    private FunctionDeclaration BuildFunction(JsonElement node, Dictionary<string, TypeDeclaration> shells)
    {
        var name = ClangJson.String(node, "name") ?? string.Empty;
        var context = $"function {name}";
        var functionType = ClangJson.QualType(node) ?? string.Empty;

        if (ClangJson.Bool(node, "variadic") || functionType.Contains("...", StringComparison.Ordinal))
        {
            throw Unsupported(context, "variadic functions are not supported");
        }

        if (functionType.Contains("__attribute__", StringComparison.Ordinal)
            || functionType.Contains("__stdcall", StringComparison.Ordinal)
            || functionType.Contains("__fastcall", StringComparison.Ordinal)
            || functionType.Contains("__vectorcall", StringComparison.Ordinal))
        {
            throw Unsupported(context, $"calling-convention or type attributes are not supported ('{functionType}')");
        }

        if (ClangJson.String(node, "storageClass") is "static" || ClangJson.Bool(node, "inline"))
        {
            throw Unsupported(context, "static and inline functions are not exported and cannot be bound");
        }

        var parameterList = functionType.IndexOf('(', StringComparison.Ordinal);
        if (parameterList < 0)
        {
            throw Unsupported(context, $"clang reported an unexpected function type '{functionType}'");
        }

        var returnType = CTypeParser.Parse(functionType[..parameterList].Trim(), shells, TypeContext($"{context}, return type"));
        switch (returnType)
        {
            case StructType { IsOpaque: true } opaque:
                throw Unsupported(context, $"returns opaque struct {opaque.Name} by value");
            case ArrayType:
                throw Unsupported(context, "returns an array");
        }

        var parameters = new List<ParameterDeclaration>();
        foreach (var child in ClangJson.Inner(node))
        {
            if (ClangJson.Kind(child) != "ParmVarDecl")
            {
                continue;
            }

            var index = parameters.Count;
            var parameterName = ClangJson.String(child, "name");
            if (string.IsNullOrEmpty(parameterName))
            {
                parameterName = "arg" + index.ToString(CultureInfo.InvariantCulture);
            }

            var parameterContext = $"{context}, parameter {parameterName}";
            var type = ParseType(child, shells, parameterContext);
            switch (type)
            {
                case BuiltinType { IsVoid: true }:
                    throw Unsupported(parameterContext, "a parameter cannot have type void");
                case StructType { IsOpaque: true } opaque:
                    throw Unsupported(parameterContext, $"opaque struct {opaque.Name} can only be passed through a pointer");
                case ArrayType:
                    throw Unsupported(parameterContext, "array parameters are not supported; use a pointer");
            }

            parameters.Add(new ParameterDeclaration(parameterName, type));
        }

        var parameterText = functionType[(parameterList + 1)..].Trim();
        if (parameters.Count == 0 && parameterText != "void)")
        {
            throw Unsupported(context, $"it has no prototype ('{functionType}'); declare it as {name}(void)");
        }

        var documentation = ReadDocumentation(node, context);
        foreach (var documented in documentation.Parameters)
        {
            if (parameters.All(parameter => parameter.Name != documented.Key))
            {
                throw Unsupported(context, $"its doc comment documents a parameter '{documented.Key}' it does not have");
            }
        }

        return new FunctionDeclaration(name, returnType, parameters, documentation);
    }

    private Documentation ReadDocumentation(JsonElement node, string context) =>
        comments.ReadAttached(node, TypeContext(context));

    private CType ParseType(JsonElement node, Dictionary<string, TypeDeclaration> shells, string context)
    {
        var qualType = ClangJson.QualType(node)
            ?? throw Unsupported(context, "clang reported no type");
        return CTypeParser.Parse(qualType, shells, TypeContext(context));
    }

    private string TypeContext(string what) => $"unsupported C construct in {headerDisplayName}: {what}";

    private BindingsGeneratorException Unsupported(string what, string reason) =>
        new($"unsupported C construct in {headerDisplayName}: {what}: {reason}");

    private static string Describe(string? kind) => kind switch
    {
        "VarDecl" => "variable",
        null => "declaration",
        _ => kind.EndsWith("Decl", StringComparison.Ordinal) ? kind[..^4] : kind,
    };

    private static string NormalizePath(string path)
    {
        var full = Path.GetFullPath(path);
        return OperatingSystem.IsWindows() ? full.ToUpperInvariant() : full;
    }

    private enum TagKind
    {
        Enum,
        Struct,
    }

    private sealed class TagEntry(TagKind kind, string? name, JsonElement firstNode)
    {
        public TagKind Kind { get; } = kind;

        public string? Name { get; set; } = name;

        public JsonElement FirstNode { get; } = firstNode;

        public JsonElement? Definition { get; set; }

        public JsonElement? TypedefNode { get; set; }
    }
}
