using BenchmarkDotNet.Running;

namespace Qrt.Benchmarks;

/// <summary>Runs the benchmarks chosen on the command line (e.g. --filter *Gemm*), or lists them.</summary>
internal static class Program
{
    private static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
