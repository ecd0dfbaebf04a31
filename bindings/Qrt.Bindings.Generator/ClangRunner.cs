using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Qrt.Bindings.Generator;

/// <summary>
/// Runs clang on a header as C11 (<c>-Xclang -ast-dump=json -fsyntax-only -x c -std=c11</c>) and returns the JSON
/// AST it prints; a failure carries clang's standard error.
/// </summary>
internal static class ClangRunner
{
    /// <summary>Returns clang's JSON AST of <paramref name="fullHeaderPath" />, parsed as C11.</summary>
    /// <param name="clangPath">The clang executable.</param>
    /// <param name="fullHeaderPath">The header, as an absolute path.</param>
    /// <param name="headerDisplayName">How messages name the header.</param>
    public static string DumpJsonAst(string clangPath, string fullHeaderPath, string headerDisplayName)
    {
        var startInfo = new ProcessStartInfo(clangPath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            CreateNoWindow = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in (string[])["-Xclang", "-ast-dump=json", "-fsyntax-only", "-x", "c", "-std=c11", fullHeaderPath])
        {
            startInfo.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(startInfo)
                ?? throw new BindingsGeneratorException($"could not start clang ({clangPath})");
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            throw new BindingsGeneratorException($"could not start clang ({clangPath}): {exception.Message}", exception);
        }

        using (process)
        {
            var standardError = process.StandardError.ReadToEndAsync();
            var standardOutput = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            var errors = standardError.GetAwaiter().GetResult().TrimEnd();
            if (process.ExitCode != 0)
            {
                var message = $"clang ({clangPath}) failed with exit code {process.ExitCode.ToString(CultureInfo.InvariantCulture)} on {headerDisplayName}";
                throw new BindingsGeneratorException(errors.Length == 0 ? message : message + ":\n" + errors);
            }

            return standardOutput;
        }
    }
}
