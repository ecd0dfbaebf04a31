using System.Diagnostics.CodeAnalysis;

namespace Qrt.Bindings.Generator;

/// <summary>
/// Finds the clang executable used to read the header: the QRT_CLANG environment variable if it is set,
/// otherwise the first of clang, clang-19 … clang-14 found on PATH.
/// </summary>
[SuppressMessage("Maintainability", "CA1515:Consider making public types internal", Justification = "Used by the tests.")]
public static class ClangLocator
{
    /// <summary>The environment variable that names the clang executable to use (a path or a name on PATH).</summary>
    public const string EnvironmentVariable = "QRT_CLANG";

    /// <summary>The executable names searched for on PATH, in order, when QRT_CLANG is not set.</summary>
    public static IReadOnlyList<string> CandidateNames { get; } =
        ["clang", "clang-19", "clang-18", "clang-17", "clang-16", "clang-15", "clang-14"];

    /// <summary>Returns the full path of the clang to use, or null if none was found.</summary>
    public static string? Find()
    {
        var configured = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return Resolve(configured.Trim());
        }

        foreach (var name in CandidateNames)
        {
            var path = FindOnPath(name);
            if (path is not null)
            {
                return path;
            }
        }

        return null;
    }

    /// <summary>Every distinct clang among <see cref="CandidateNames" /> on PATH (to compare versions).</summary>
    public static IReadOnlyList<string> FindAllOnPath() =>
        CandidateNames.Select(FindOnPath).OfType<string>().Distinct(StringComparer.Ordinal).ToList();

    /// <summary>Explains, in one line, what <see cref="Find" /> tried when it returned null.</summary>
    public static string DescribeNotFound()
    {
        var configured = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return $"clang not found: {EnvironmentVariable} is set to '{configured.Trim()}', which is neither an existing file nor a program on PATH.";
        }

        return $"clang not found: {EnvironmentVariable} is not set and none of {string.Join(", ", CandidateNames)} is on PATH. "
            + $"Install clang 14-19 or set {EnvironmentVariable} to its path.";
    }

    /// <summary>Resolves a path or a bare program name to an existing file, or null.</summary>
    internal static string? Resolve(string pathOrName)
    {
        var hasDirectory = pathOrName.Contains(Path.DirectorySeparatorChar, StringComparison.Ordinal)
            || pathOrName.Contains(Path.AltDirectorySeparatorChar, StringComparison.Ordinal);
        if (hasDirectory || File.Exists(pathOrName))
        {
            if (File.Exists(pathOrName))
            {
                return Path.GetFullPath(pathOrName);
            }

            if (OperatingSystem.IsWindows() && File.Exists(pathOrName + ".exe"))
            {
                return Path.GetFullPath(pathOrName + ".exe");
            }

            return null;
        }

        return FindOnPath(pathOrName);
    }

    private static string? FindOnPath(string name)
    {
        var path = Environment.GetEnvironmentVariable("PATH");
        if (string.IsNullOrEmpty(path))
        {
            return null;
        }

        var fileName = OperatingSystem.IsWindows() && !name.EndsWith(".exe", StringComparison.OrdinalIgnoreCase)
            ? name + ".exe"
            : name;
        foreach (var directory in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate;
            try
            {
                candidate = Path.Combine(directory.Trim('"'), fileName);
            }
            catch (ArgumentException)
            {
                continue;
            }

            if (File.Exists(candidate))
            {
                return Path.GetFullPath(candidate);
            }
        }

        return null;
    }
}
