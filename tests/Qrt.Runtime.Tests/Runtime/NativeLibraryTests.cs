using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Qrt.Bindings;
using Qrt.Runtime.Interop;

namespace Qrt.Runtime.Tests.Runtime;

[TestFixture]
internal sealed partial class NativeLibraryTests
{
    [Test]
    public void Describe_NamesThePathTheVersionAndBothBackends()
    {
        var report = QrtNativeLibrary.Describe();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(report, Does.Contain(QrtNativeLibrary.LoadedPath));
            Assert.That(report, Does.Contain(QrtNativeLibrary.VersionString()));
            Assert.That(report, Does.Contain("backend cpu:"));
            Assert.That(report, Does.Contain("backend cuda:"));
        }
    }

    [Test]
    public void LoadedPath_IsAnExistingFile()
    {
        Assert.That(QrtNativeLibrary.LoadedPath, Does.Exist);
    }

    [Test]
    public void AbiVersion_MatchesTheHeaderConstant()
    {
        Assert.That(QrtNative.qrt_abi_version(), Is.EqualTo((uint)qrt_constants.QRT_ABI_VERSION));
    }

    [Test]
    public void EveryBindingEntryPoint_IsExportedByTheLoadedLibrary()
    {
        var handle = NativeLibrary.Load(QrtNativeLibrary.LoadedPath!);
        try
        {
            var missing = BindingEntryPoints().Where(name => !NativeLibrary.TryGetExport(handle, name, out _)).ToArray();

            Assert.That(missing, Is.Empty, $"entry points {QrtNativeLibrary.LoadedPath} does not export");
        }
        finally
        {
            NativeLibrary.Free(handle);
        }
    }

    [Test]
    public void BindingEntryPoints_AreExactlyTheQrtApiFunctionsOfTheHeader()
    {
        var header = File.ReadAllText(Path.Combine(RepositoryRoot(), "native", "include", "qrt.h"));
        var declared = QrtApiDeclaration().Matches(header).Select(match => match.Groups["name"].Value).ToArray();
        var bound = BindingEntryPoints();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(declared, Is.Unique, "qrt.h declares each function once");
            Assert.That(bound, Has.Length.EqualTo(declared.Length), "one [LibraryImport] per QRT_API function");
            Assert.That(bound, Is.EquivalentTo(declared));
        }
    }

    [Test]
    public unsafe void StatusAndDTypeQueries_AgreeWithTheManagedEnums()
    {
        using (Assert.EnterMultipleScope())
        {
            foreach (var status in Enum.GetValues<QrtStatus>())
            {
                Assert.That(Utf8(QrtNative.qrt_status_name((qrt_status)status)), Is.EqualTo(Enum.GetName((qrt_status)status)));
            }

            foreach (var dtype in Enum.GetValues<DType>())
            {
                Assert.That((int)QrtNative.qrt_dtype_size((qrt_dtype)dtype), Is.EqualTo(dtype.ElementSize()), $"size of {dtype}");
                Assert.That(Utf8(QrtNative.qrt_dtype_name((qrt_dtype)dtype)).Replace("_", string.Empty, StringComparison.Ordinal), Is.EqualTo(dtype.ToString()), $"name of {dtype}");
            }

            Assert.That((int)QrtNative.qrt_dtype_size((qrt_dtype)99), Is.Zero, "an unknown dtype has no size");
        }
    }

    internal static string[] BindingEntryPoints() =>
        typeof(QrtNative).GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
            .Select(method => (Method: method, Import: method.GetCustomAttribute<LibraryImportAttribute>()))
            .Where(entry => entry.Import is not null)
            .Select(entry => entry.Import!.EntryPoint ?? entry.Method.Name)
            .ToArray();

    internal static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Runtime.sln")))
            {
                return directory.FullName;
            }
        }

        throw new DirectoryNotFoundException($"No Runtime.sln above {TestContext.CurrentContext.TestDirectory}.");
    }

    private static unsafe string Utf8(byte* text) => Marshal.PtrToStringUTF8((nint)text) ?? string.Empty;

    // A declaration starts a line with QRT_API; the function's name is the identifier just before its parameter list.
    [GeneratedRegex(@"^QRT_API\s[^;(]*?\b(?<name>qrt_\w+)\s*\(", RegexOptions.Multiline)]
    private static partial Regex QrtApiDeclaration();
}
