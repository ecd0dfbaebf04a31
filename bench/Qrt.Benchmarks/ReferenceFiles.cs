using Qrt.Benchmarks;

namespace Qrt.Runtime.Tests.Support;

/// <summary>
/// The benchmarks' counterpart of the tests' ReferenceFiles: where the tokenizer corpus that the linked
/// TokenizerCorpus reads lives (tests/reference/inputs).
/// </summary>
internal static class ReferenceFiles
{
    /// <summary>tests/reference/inputs/<paramref name="name" />.</summary>
    public static string Input(string name) => Path.Combine(TokenizerBenchmarkFiles.RepositoryRoot(), "tests", "reference", "inputs", name);
}
