using System.Diagnostics;
using System.Text;
using Qrt.Bindings.Generator;
using Qrt.Runtime.Tests.Bindings;
using Qrt.Runtime.Text.Unicode;

namespace Qrt.Runtime.Tests.Text.Unicode;

/// <summary>
/// The committed generated files must be exactly what generate_normalization_tables.py writes, so that nobody edits
/// them by hand or changes the generator without regenerating.
/// </summary>
[TestFixture]
public sealed class NormalizationTablesFreshnessTests
{
    private const string GeneratorRelativePath = "managed/Qrt.Runtime/Text/Unicode/generate_normalization_tables.py";
    private const string TablesRelativePath = "managed/Qrt.Runtime/Text/Unicode/UnicodeNormalizationTables.g.cs";
    private const string AssignedRelativePath = "tests/Qrt.Runtime.Tests/Text/Unicode/AssignedCodePoints.g.cs";

    [Test]
    public void CommittedTables_EqualRegeneratedTables()
    {
        var pythonVersion = RunGenerator("--unicode-version").Trim();
        if (pythonVersion != UnicodeNormalizationTables.UnicodeVersion)
        {
            Assert.Ignore(
                $"python3 here has Unicode {pythonVersion} in unicodedata, the committed tables are Unicode "
                + $"{UnicodeNormalizationTables.UnicodeVersion}; regeneration can only be compared with the same version.");
        }

        var directory = Path.Combine(Path.GetTempPath(), "qrt-normalization-tables-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        try
        {
            var tables = Path.Combine(directory, "tables.g.cs");
            var assigned = Path.Combine(directory, "assigned.g.cs");
            RunGenerator("--tables-output", tables, "--assigned-output", assigned);

            using (Assert.EnterMultipleScope())
            {
                foreach (var (relativePath, regenerated) in new[] { (TablesRelativePath, tables), (AssignedRelativePath, assigned) })
                {
                    var committedPath = Path.Combine(BindingsTestSupport.RepositoryRoot, relativePath);
                    var committedBytes = File.ReadAllBytes(committedPath);
                    var regeneratedBytes = File.ReadAllBytes(regenerated);
                    var difference = TextDifference.DescribeFirstDifference(
                        Encoding.UTF8.GetString(committedBytes),
                        Encoding.UTF8.GetString(regeneratedBytes),
                        $"{relativePath} (committed)",
                        $"{relativePath} (regenerated)");
                    Assert.That(
                        regeneratedBytes.AsSpan().SequenceEqual(committedBytes),
                        Is.True,
                        $"{relativePath} is out of date; run python3 {GeneratorRelativePath} and commit the result.\n"
                        + (difference ?? "(the texts are equal; the bytes differ, e.g. a byte-order mark)"));
                }
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static string RunGenerator(params string[] arguments)
    {
        var startInfo = new ProcessStartInfo("python3")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            CreateNoWindow = true,
        };
        startInfo.ArgumentList.Add(Path.Combine(BindingsTestSupport.RepositoryRoot, GeneratorRelativePath));
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(startInfo) ?? throw new InvalidOperationException("could not start python3");
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            Assert.Ignore($"python3 is not available ({exception.Message}); the generated tables cannot be compared with a regeneration.");
            throw;
        }

        using (process)
        {
            var error = process.StandardError.ReadToEndAsync();
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                Assert.Fail($"python3 {GeneratorRelativePath} {string.Join(' ', arguments)} failed with exit code {process.ExitCode}:\n{error.Result}");
            }

            return output;
        }
    }
}
