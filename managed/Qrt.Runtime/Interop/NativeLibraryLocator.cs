using System.Runtime.InteropServices;

namespace Qrt.Runtime.Interop;

/// <summary>
/// Where libqrt may live, in the order they are tried: an explicit path in <c>QRT_NATIVE_LIBRARY</c>; next to
/// the application or to Qrt.Runtime; under <c>runtimes/&lt;rid&gt;/native/</c> of either (the NuGet layout, and
/// where the build copies it); finally the operating system's own search (e.g. <c>LD_LIBRARY_PATH</c>).
/// </summary>
internal static class NativeLibraryLocator
{
    /// <summary>The environment variable that names the library file to load, overriding the search.</summary>
    public const string PathVariable = "QRT_NATIVE_LIBRARY";

    /// <summary>The platform's file name for libqrt.</summary>
    public static string FileName =>
        OperatingSystem.IsWindows() ? "qrt.dll" : OperatingSystem.IsMacOS() ? "libqrt.dylib" : "libqrt.so";

    /// <summary>Candidate files with a short note on why each is a candidate.</summary>
    public static IReadOnlyList<(string Path, string Reason)> Candidates()
    {
        var candidates = new List<(string, string)>();
        var directories = new List<(string Directory, string Description)>
        {
            (AppContext.BaseDirectory, "the application directory"),
        };
        var assemblyDirectory = Path.GetDirectoryName(AssemblyLocation());
        if (!string.IsNullOrEmpty(assemblyDirectory))
        {
            directories.Add((assemblyDirectory, "the Qrt.Runtime assembly's directory"));
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (directory, description) in directories)
        {
            Add(Path.Combine(directory, FileName), $"next to {description}");
            foreach (var rid in RuntimeIdentifiers())
            {
                Add(Path.Combine(directory, "runtimes", rid, "native", FileName), $"runtimes/{rid}/native under {description}");
            }
        }

        return candidates;

        void Add(string path, string reason)
        {
            var full = Path.GetFullPath(path);
            if (seen.Add(full))
            {
                candidates.Add((full, reason));
            }
        }
    }

    // In a single-file or NativeAOT application the assembly has no file of its own (Location is empty);
    // the application directory, searched first, is then the right place.
    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("SingleFile", "IL3000", Justification = "An empty location is handled by searching the application directory.")]
    private static string AssemblyLocation() => typeof(NativeLibraryLocator).Assembly.Location;

    /// <summary>The current runtime identifier, then its portable form (linux-x64, win-x64, osx-arm64, ...).</summary>
    private static IEnumerable<string> RuntimeIdentifiers()
    {
        yield return RuntimeInformation.RuntimeIdentifier;
        var os = OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux";
        var architecture = RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
        yield return $"{os}-{architecture}";
    }
}
