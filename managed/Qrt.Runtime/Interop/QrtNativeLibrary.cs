using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using Qrt.Bindings;

namespace Qrt.Runtime.Interop;

/// <summary>
/// Finds, loads and checks libqrt, once per process. Every part of Qrt.Runtime that calls native code
/// goes through <see cref="EnsureLoaded"/>, so a missing or mismatched library fails early, with a report
/// of where it was searched and why each candidate was rejected — never silently.
/// </summary>
public static class QrtNativeLibrary
{
    private static readonly Lock Gate = new();
    private static nint s_handle;
    private static string? s_loadedFrom;
    private static QrtLibraryLoadException? s_failure;
    private static bool s_resolverRegistered;

    /// <summary>The full path of the loaded library, or null before a successful load.</summary>
    public static string? LoadedPath
    {
        get
        {
            lock (Gate)
            {
                return s_handle != 0 ? s_loadedFrom : null;
            }
        }
    }

    /// <summary>
    /// Loads libqrt if it is not loaded yet and checks that it was built from the same header as the
    /// bindings. Throws <see cref="QrtLibraryLoadException"/> (the same one on every later call) if not.
    /// </summary>
    public static void EnsureLoaded()
    {
        lock (Gate)
        {
            if (s_handle != 0)
            {
                return;
            }

            if (s_failure is not null)
            {
                throw s_failure;
            }

            RegisterResolver();
            try
            {
                (s_handle, s_loadedFrom) = Load();
                CheckAbiVersion();
            }
            catch (QrtLibraryLoadException failure)
            {
                s_handle = 0;
                s_failure = failure;
                throw;
            }
        }
    }

    /// <summary>
    /// A human-readable report: which library loaded from where, its version, and each backend with its
    /// devices — or, if loading failed, the full failure report. Never throws.
    /// </summary>
    public static string Describe()
    {
        try
        {
            EnsureLoaded();
        }
        catch (QrtLibraryLoadException failure)
        {
            return failure.Message;
        }

        var report = new StringBuilder();
        report.AppendLine(Invariant($"libqrt {VersionString()}, ABI {QrtNative.qrt_abi_version()}"));
        report.AppendLine(Invariant($"loaded from {s_loadedFrom}"));
        foreach (var backend in Enum.GetValues<Backend>())
        {
            var info = Devices.GetBackendInfo(backend);
            var state = info.Compiled ? $"{info.DeviceCount} device(s)" : "not compiled in";
            report.AppendLine(Invariant($"backend {backend.ToString().ToLowerInvariant()}: {state}; {info.Detail}"));
        }

        return report.ToString().TrimEnd();
    }

    /// <summary>The library's version and build configuration string.</summary>
    public static unsafe string VersionString()
    {
        EnsureLoaded();
        return Marshal.PtrToStringUTF8((nint)QrtNative.qrt_version_string()) ?? string.Empty;
    }

    private static string Invariant(FormattableString text) => FormattableString.Invariant(text);

    private static void RegisterResolver()
    {
        if (s_resolverRegistered)
        {
            return;
        }

        // The [LibraryImport]s live in Qrt.Bindings and name the library "qrt"; answer with the handle
        // loaded here, so the OS search cannot pick up a different copy.
        NativeLibrary.SetDllImportResolver(typeof(QrtNative).Assembly, Resolve);
        s_resolverRegistered = true;
    }

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (libraryName != QrtNative.LibraryName)
        {
            return 0;
        }

        EnsureLoaded();
        return s_handle;
    }

    private static (nint Handle, string Path) Load()
    {
        var attempts = new StringBuilder();
        var explicitPath = Environment.GetEnvironmentVariable(NativeLibraryLocator.PathVariable);
        if (!string.IsNullOrEmpty(explicitPath))
        {
            // An explicit choice is honoured or reported, never replaced by another copy.
            var full = Path.GetFullPath(explicitPath);
            if (!File.Exists(full))
            {
                throw Failure($"{NativeLibraryLocator.PathVariable} names {full}, which does not exist.", attempts);
            }

            return TryLoad(full, $"named by {NativeLibraryLocator.PathVariable}", attempts) is { } handle
                ? (handle, full)
                : throw Failure($"{NativeLibraryLocator.PathVariable} names {full}, which could not be loaded.", attempts);
        }

        foreach (var (path, reason) in NativeLibraryLocator.Candidates())
        {
            if (!File.Exists(path))
            {
                attempts.AppendLine(Invariant($"  {path} ({reason}): not present"));
                continue;
            }

            if (TryLoad(path, reason, attempts) is { } handle)
            {
                return (handle, path);
            }
        }

        try
        {
            var handle = NativeLibrary.Load(QrtNative.LibraryName, typeof(QrtNative).Assembly, DllImportSearchPath.SafeDirectories);
            return (handle, $"{NativeLibraryLocator.FileName} from the operating system's library search path");
        }
        catch (DllNotFoundException error)
        {
            attempts.AppendLine(Invariant($"  operating system search for '{QrtNative.LibraryName}': {error.Message}"));
        }

        throw Failure("libqrt was not found.", attempts);
    }

    private static nint? TryLoad(string path, string reason, StringBuilder attempts)
    {
        try
        {
            return NativeLibrary.Load(path);
        }
        catch (Exception error) when (error is DllNotFoundException or BadImageFormatException)
        {
            // Keep the loader's own reason (a missing dependency, a wrong architecture, an old glibc).
            attempts.AppendLine(Invariant($"  {path} ({reason}): {error.Message}"));
            return null;
        }
    }

    private static QrtLibraryLoadException Failure(string summary, StringBuilder attempts)
    {
        var advice = $"Build it with ./build.sh (which copies it next to the managed assemblies), or set {NativeLibraryLocator.PathVariable} to its full path.";
        var searched = attempts.Length == 0 ? string.Empty : $"{Environment.NewLine}Searched:{Environment.NewLine}{attempts.ToString().TrimEnd()}";
        return new QrtLibraryLoadException(Invariant($"{summary} {advice}{searched}"));
    }

    private static void CheckAbiVersion()
    {
        var actual = QrtNative.qrt_abi_version();
        var expected = (uint)qrt_constants.QRT_ABI_VERSION;
        if (actual != expected)
        {
            throw new QrtLibraryLoadException(Invariant(
                $"{s_loadedFrom} implements libqrt ABI version {actual}, but these bindings were generated for version {expected}. The native library and the managed assemblies come from different builds; rebuild both with ./build.sh."));
        }
    }
}
