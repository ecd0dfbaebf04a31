using BenchmarkDotNet.Running;

namespace Qrt.Benchmarks;

/// <summary>
/// Runs the benchmarks chosen on the command line (e.g. --filter *Gemm*), or lists them; <c>decode MODEL_DIR</c>
/// instead runs the end-to-end generation measurement of <see cref="DecodeBenchmark"/>, and <c>vision</c> the
/// vision preprocessing and encoder timings of <see cref="VisionBenchmark"/>.
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "decode")
        {
            return DecodeBenchmark.Run(args[1..]);
        }

        if (args.Length > 0 && args[0] == "vision")
        {
            return VisionBenchmark.Run(args[1..]);
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
