using System.Globalization;

namespace Qrt.Bindings.Generator;

/// <summary>
/// Parses clang's spelling of a type ("const qrt_tensor *", "char[256]", "qrt_stream **") into a
/// <see cref="CType" />. Only the shapes the bindings support are accepted; anything else is an error that
/// names the declaration, so nothing is mapped silently.
/// </summary>
internal static class CTypeParser
{
    private static readonly Dictionary<string, string> Builtins = new(StringComparer.Ordinal)
    {
        ["void"] = "void",
        ["char"] = "byte",
        ["float"] = "float",
        ["double"] = "double",
        ["int8_t"] = "sbyte",
        ["uint8_t"] = "byte",
        ["int16_t"] = "short",
        ["uint16_t"] = "ushort",
        ["int32_t"] = "int",
        ["uint32_t"] = "uint",
        ["int64_t"] = "long",
        ["uint64_t"] = "ulong",
        ["size_t"] = "nuint",
    };

    /// <summary>Parses <paramref name="spelling" />, resolving names against the header's enums and structs.</summary>
    /// <param name="spelling">clang's qualType string.</param>
    /// <param name="headerTypes">The header's enums and structs by name.</param>
    /// <param name="context">Names the declaration for error messages ("function qrt_gemm, parameter x").</param>
    public static CType Parse(string spelling, IReadOnlyDictionary<string, TypeDeclaration> headerTypes, string context)
    {
        var tokens = Tokenize(spelling, context);
        var index = 0;
        var isConst = false;
        string? keyword = null;
        var words = new List<string>();

        while (index < tokens.Count && tokens[index] is not ("*" or "["))
        {
            var token = tokens[index];
            switch (token)
            {
                case "const":
                    isConst = true;
                    break;
                case "volatile" or "restrict" or "__restrict" or "_Atomic":
                    throw Unsupported(context, spelling, $"the '{token}' qualifier is not supported");
                case "struct" or "enum":
                    keyword = token;
                    break;
                case "union":
                    throw Unsupported(context, spelling, "unions are not supported");
                default:
                    if (!IsIdentifier(token))
                    {
                        throw Unsupported(context, spelling, token == "("
                            ? "function pointers and attributes are not supported"
                            : $"unexpected '{token}'");
                    }

                    words.Add(token);
                    break;
            }

            index++;
        }

        if (words.Count != 1)
        {
            var what = string.Join(' ', words);
            throw Unsupported(context, spelling, words.Count == 0
                ? "no type name"
                : $"'{what}' is not supported; use void, char, float, double, size_t or a <stdint.h> fixed-width integer");
        }

        CType type = Resolve(keyword, words[0], headerTypes, context, spelling) with { IsConst = isConst };

        while (index < tokens.Count && tokens[index] == "*")
        {
            index++;
            var pointerConst = false;
            while (index < tokens.Count && tokens[index] is "const" or "volatile" or "restrict" or "__restrict")
            {
                if (tokens[index] != "const")
                {
                    throw Unsupported(context, spelling, $"the '{tokens[index]}' qualifier is not supported");
                }

                pointerConst = true;
                index++;
            }

            type = new PointerType(type) { IsConst = pointerConst };
        }

        if (index < tokens.Count && tokens[index] == "[")
        {
            if (index + 2 >= tokens.Count || tokens[index + 2] != "]"
                || !long.TryParse(tokens[index + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var length)
                || length <= 0)
            {
                throw Unsupported(context, spelling, "only constant-size arrays are supported");
            }

            index += 3;
            if (index < tokens.Count && tokens[index] == "[")
            {
                throw Unsupported(context, spelling, "multi-dimensional arrays are not supported");
            }

            type = new ArrayType(type, length);
        }

        if (index != tokens.Count)
        {
            throw Unsupported(context, spelling, tokens[index] == "(" || tokens.Contains("(")
                ? "function pointers and attributes are not supported"
                : $"unexpected '{tokens[index]}'");
        }

        return type;
    }

    private static CType Resolve(
        string? keyword,
        string name,
        IReadOnlyDictionary<string, TypeDeclaration> headerTypes,
        string context,
        string spelling)
    {
        if (keyword is null)
        {
            if (Builtins.TryGetValue(name, out var csharp))
            {
                return new BuiltinType(name, csharp);
            }

            if (name is "_Bool" or "bool")
            {
                throw Unsupported(context, spelling, "bool is not supported (its size is not fixed across ABIs); use int32_t or uint8_t");
            }
        }

        if (headerTypes.TryGetValue(name, out var declaration))
        {
            switch (declaration)
            {
                case EnumDeclaration when keyword is null or "enum":
                    return new EnumType(declaration.Name);
                case StructDeclaration structDeclaration when keyword is null or "struct":
                    return new StructType(structDeclaration.Name, structDeclaration.IsOpaque);
            }
        }

        var described = keyword is null ? name : keyword + " " + name;
        throw Unsupported(context, spelling, $"unknown type '{described}' (not a supported builtin and not an enum or struct of this header)");
    }

    private static List<string> Tokenize(string spelling, string context)
    {
        var tokens = new List<string>();
        var i = 0;
        while (i < spelling.Length)
        {
            var c = spelling[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (char.IsAsciiLetter(c) || c == '_' || char.IsAsciiDigit(c))
            {
                var start = i;
                while (i < spelling.Length && (char.IsAsciiLetterOrDigit(spelling[i]) || spelling[i] == '_'))
                {
                    i++;
                }

                tokens.Add(spelling[start..i]);
            }
            else if (c == '.' && spelling.AsSpan(i).StartsWith("...", StringComparison.Ordinal))
            {
                throw Unsupported(context, spelling, "variadic functions are not supported");
            }
            else if (c is '*' or '[' or ']' or '(' or ')' or ',')
            {
                tokens.Add(c.ToString());
                i++;
            }
            else
            {
                throw Unsupported(context, spelling, $"unexpected character '{c}'");
            }
        }

        return tokens;
    }

    private static bool IsIdentifier(string token) =>
        token.Length > 0 && (char.IsAsciiLetter(token[0]) || token[0] == '_');

    private static BindingsGeneratorException Unsupported(string context, string spelling, string reason) =>
        new($"{context}: type '{spelling}': {reason}");
}
