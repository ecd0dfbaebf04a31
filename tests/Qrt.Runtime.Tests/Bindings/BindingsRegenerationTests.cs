using System.Diagnostics;
using System.Text;
using NUnit.Framework;
using Qrt.Bindings.Generator;

namespace Qrt.Runtime.Tests.Bindings;

/// <summary>
/// The committed bindings (bindings/Qrt.Bindings/QrtNative.g.cs) must be exactly what the generator makes of
/// native/include/qrt.h today; otherwise someone changed the header without running ./build.sh bindings.
/// </summary>
[TestFixture]
public sealed class BindingsRegenerationTests
{
    [Test]
    public void CommittedBindings_EqualRegeneratedBindings()
    {
        var clang = BindingsTestSupport.RequireClang();

        var generated = BindingsGenerator.Generate(BindingsTestSupport.HeaderPath, clang);
        var committed = BindingsTestSupport.ReadExact(BindingsTestSupport.CommittedBindingsPath);

        var difference = TextDifference.DescribeFirstDifference(
            committed,
            generated,
            $"{BindingsTestSupport.CommittedBindingsRelativePath} (committed)",
            $"{BindingsTestSupport.CommittedBindingsRelativePath} (regenerated from {BindingsTestSupport.HeaderRelativePath} with {clang})");
        if (difference is not null)
        {
            Assert.Fail(
                $"{BindingsTestSupport.CommittedBindingsRelativePath} is out of date with {BindingsTestSupport.HeaderRelativePath}; "
                + $"run ./build.sh bindings and commit the result.\n{difference}");
        }
    }

    [Test]
    public void Generation_IsIdentical_ForEveryClangOnPathAndAnyHeaderPath()
    {
        var clangs = ClangLocator.FindAllOnPath();
        if (clangs.Count == 0)
        {
            BindingsTestSupport.NoClang($"No clang to compare: {ClangLocator.DescribeNotFound()}");
        }

        var reference = BindingsGenerator.Generate(BindingsTestSupport.HeaderPath, clangs[0]);
        var relativeHeader = Path.GetRelativePath(Environment.CurrentDirectory, BindingsTestSupport.HeaderPath);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(
                BindingsGenerator.Generate(relativeHeader, clangs[0]),
                Is.EqualTo(reference),
                "a relative header path must give the same output as an absolute one");
            foreach (var clang in clangs.Skip(1))
            {
                var generated = BindingsGenerator.Generate(BindingsTestSupport.HeaderPath, clang);
                Assert.That(
                    generated,
                    Is.EqualTo(reference),
                    $"{clang} and {clangs[0]} disagree:\n"
                    + TextDifference.DescribeFirstDifference(reference, generated, clangs[0], clang));
            }
        }
    }
}

/// <summary>Paths of the repository and a small clang runner shared by the bindings tests.</summary>
internal static class BindingsTestSupport
{
    public const string HeaderRelativePath = "native/include/qrt.h";
    public const string CommittedBindingsRelativePath = "bindings/Qrt.Bindings/QrtNative.g.cs";

    private static readonly Lazy<string> Root = new(FindRepositoryRoot);

    /// <summary>The directory that contains Runtime.sln, found by walking up from the test directory.</summary>
    public static string RepositoryRoot => Root.Value;

    public static string HeaderPath => Path.Combine(RepositoryRoot, "native", "include", "qrt.h");

    public static string HeaderDirectory => Path.Combine(RepositoryRoot, "native", "include");

    public static string CommittedBindingsPath => Path.Combine(RepositoryRoot, "bindings", "Qrt.Bindings", "QrtNative.g.cs");

    /// <summary>
    /// The located clang, or an ignored (skipped) test saying why there is none — a failure instead where
    /// QRT_REQUIRE_CLANG=1 (CI installs clang, so there a missing clang is a broken setup, not a skip).
    /// </summary>
    public static string RequireClang()
    {
        var clang = ClangLocator.Find();
        if (clang is null)
        {
            NoClang(ClangLocator.DescribeNotFound());
        }

        return clang!;
    }

    /// <summary>Skips the test, or fails it where QRT_REQUIRE_CLANG=1.</summary>
    public static void NoClang(string reason)
    {
        if (Environment.GetEnvironmentVariable("QRT_REQUIRE_CLANG") == "1")
        {
            Assert.Fail($"QRT_REQUIRE_CLANG=1 but {reason}");
        }

        Assert.Ignore(reason);
    }

    /// <summary>Reads a file's text exactly: UTF-8, a byte-order mark (if any) kept as a character.</summary>
    public static string ReadExact(string path) =>
        new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetString(File.ReadAllBytes(path));

    /// <summary>Compiles <paramref name="source" /> as C11 against native/include with <paramref name="extraArguments" />.</summary>
    public static ClangResult CompileC(string clang, string source, params string[] extraArguments)
    {
        var directory = Path.Combine(Path.GetTempPath(), "qrt-bindings-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        try
        {
            var file = Path.Combine(directory, "probe.c");
            File.WriteAllText(file, source, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));

            var startInfo = new ProcessStartInfo(clang)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                CreateNoWindow = true,
            };
            foreach (var argument in (string[])["-fsyntax-only", "-x", "c", "-std=c11", "-I", HeaderDirectory, .. extraArguments, file])
            {
                startInfo.ArgumentList.Add(argument);
            }

            using var process = Process.Start(startInfo)
                ?? throw new InvalidOperationException($"could not start {clang}");
            var standardError = process.StandardError.ReadToEndAsync();
            var standardOutput = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return new ClangResult(process.ExitCode, standardOutput, standardError.GetAwaiter().GetResult());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Runtime.sln")))
            {
                return directory.FullName;
            }
        }

        // Built outside the tree (dotnet build --artifacts-path /elsewhere): the build recorded where the sources are.
        var recorded = typeof(BindingsTestSupport).Assembly
            .GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), inherit: false)
            .Cast<System.Reflection.AssemblyMetadataAttribute>()
            .FirstOrDefault(attribute => attribute.Key == "QrtRepositoryRoot")?.Value;
        if (recorded is not null && File.Exists(Path.Combine(recorded, "Runtime.sln")))
        {
            return Path.GetFullPath(recorded);
        }

        throw new InvalidOperationException(
            $"Runtime.sln not found in {TestContext.CurrentContext.TestDirectory} or any directory above it, nor at '{recorded}'.");
    }
}

/// <summary>What a clang run printed and returned.</summary>
internal sealed record ClangResult(int ExitCode, string StandardOutput, string StandardError);
