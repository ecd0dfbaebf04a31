namespace Qrt.Runtime.Synthesis;

/// <summary>The command-line spellings of the synthetic checkpoint choices ("mistral", "qwen2-vl", "w4a16-asym", "tiny").</summary>
public static class SyntheticNames
{
    private static readonly (string Name, SyntheticArchitecture Value)[] Architectures =
    [
        ("mistral", SyntheticArchitecture.Mistral),
        ("llama", SyntheticArchitecture.Llama),
        ("qwen2", SyntheticArchitecture.Qwen2),
        ("mixtral", SyntheticArchitecture.Mixtral),
        ("pixtral", SyntheticArchitecture.Pixtral),
        ("qwen2-vl", SyntheticArchitecture.Qwen2Vl),
    ];

    private static readonly (string Name, SyntheticScheme Value)[] Schemes =
    [
        ("bf16", SyntheticScheme.Bf16),
        ("w4a16", SyntheticScheme.W4A16),
        ("w4a16-asym", SyntheticScheme.W4A16Asym),
        ("w4a16-actorder", SyntheticScheme.W4A16ActOrder),
        ("w8a8-int8", SyntheticScheme.W8A8Int8),
        ("w8a8-int8-static", SyntheticScheme.W8A8Int8Static),
        ("fp8", SyntheticScheme.Fp8),
        ("fp8-static", SyntheticScheme.Fp8Static),
        ("autofp8", SyntheticScheme.AutoFp8),
    ];

    private static readonly (string Name, SyntheticSize Value)[] Sizes =
    [
        ("tiny", SyntheticSize.Tiny),
        ("small", SyntheticSize.Small),
        ("medium", SyntheticSize.Medium),
        ("pixtral-12b", SyntheticSize.Pixtral12B),
    ];

    /// <summary>Every architecture name, in the order messages list them.</summary>
    public static IReadOnlyList<string> ArchitectureNames { get; } = [.. Architectures.Select(entry => entry.Name)];

    /// <summary>Every scheme name, in the order messages list them.</summary>
    public static IReadOnlyList<string> SchemeNames { get; } = [.. Schemes.Select(entry => entry.Name)];

    /// <summary>Every size name.</summary>
    public static IReadOnlyList<string> SizeNames { get; } = [.. Sizes.Select(entry => entry.Name)];

    /// <summary>Parses an architecture name (exact, lower case).</summary>
    public static bool TryParse(string text, out SyntheticArchitecture value) => TryFind(Architectures, text, out value);

    /// <summary>Parses a scheme name (exact, lower case).</summary>
    public static bool TryParse(string text, out SyntheticScheme value) => TryFind(Schemes, text, out value);

    /// <summary>Parses a size name (exact, lower case).</summary>
    public static bool TryParse(string text, out SyntheticSize value) => TryFind(Sizes, text, out value);

    /// <summary>The command-line name of <paramref name="value" />.</summary>
    public static string Name(this SyntheticArchitecture value) => Architectures.First(entry => entry.Value == value).Name;

    /// <summary>The command-line name of <paramref name="value" />.</summary>
    public static string Name(this SyntheticScheme value) => Schemes.First(entry => entry.Value == value).Name;

    /// <summary>The command-line name of <paramref name="value" />.</summary>
    public static string Name(this SyntheticSize value) => Sizes.First(entry => entry.Value == value).Name;

    private static bool TryFind<T>((string Name, T Value)[] table, string text, out T value)
        where T : struct
    {
        foreach (var (name, candidate) in table)
        {
            if (string.Equals(name, text, StringComparison.Ordinal))
            {
                value = candidate;
                return true;
            }
        }

        value = default;
        return false;
    }
}
