using System.Diagnostics.CodeAnalysis;

namespace Qrt.Bindings.Generator;

/// <summary>Generates the C# bindings (QrtNative.g.cs) for a C header.</summary>
[SuppressMessage("Maintainability", "CA1515:Consider making public types internal", Justification = "Used by the tests.")]
public static class BindingsGenerator
{
    /// <summary>The file whose directory is the repository root; header names in the output are relative to it.</summary>
    public const string RepositoryMarker = "Runtime.sln";

    /// <summary>
    /// Reads <paramref name="headerPath" /> with clang and returns the bindings source. The result depends only on
    /// the header's declarations: the same header gives the same text with any clang 14-19 and from any path.
    /// </summary>
    /// <param name="headerPath">The C header (native/include/qrt.h).</param>
    /// <param name="clangPath">The clang executable, e.g. from <see cref="ClangLocator.Find" />.</param>
    /// <exception cref="BindingsGeneratorException">clang failed or the header uses an unsupported construct.</exception>
    public static string Generate(string headerPath, string clangPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(headerPath);
        ArgumentException.ThrowIfNullOrEmpty(clangPath);

        var displayName = DisplayName(headerPath);
        var model = ClangAstReader.Read(headerPath, clangPath, displayName);
        return CSharpBindingsWriter.Write(model, displayName);
    }

    /// <summary>The header's path relative to the repository root, with '/' separators, or its file name.</summary>
    internal static string DisplayName(string headerPath)
    {
        var fullPath = Path.GetFullPath(headerPath);
        for (var directory = Path.GetDirectoryName(fullPath); directory is not null; directory = Path.GetDirectoryName(directory))
        {
            if (File.Exists(Path.Combine(directory, RepositoryMarker)))
            {
                return Path.GetRelativePath(directory, fullPath).Replace('\\', '/');
            }
        }

        return Path.GetFileName(fullPath);
    }
}
