using BenchmarkDotNet.Attributes;
using Qrt.Runtime;

namespace Qrt.Benchmarks;

/// <summary>
/// The cost of crossing from managed code into libqrt: a tiny op whose kernel time is negligible, so the
/// figure is the managed wrapper, the handle bookkeeping and the native argument validation. A decode step
/// makes a few hundred such calls, so this must stay in the microseconds.
/// </summary>
[MemoryDiagnoser]
public class OpCallBenchmarks
{
    private QrtStream _stream = null!;
    private QrtTensor _x = null!;
    private QrtTensor _weight = null!;
    private QrtTensor _y = null!;

    [GlobalSetup]
    public void Setup()
    {
        _stream = new QrtStream(Device.Cpu);
        _x = QrtTensor.FromFloats(new float[8], DType.F32, [1, 8]);
        _weight = QrtTensor.FromFloats(Enumerable.Repeat(1f, 8).ToArray(), DType.F32, [8]);
        _y = QrtTensor.Empty(DType.F32, [1, 8]);
    }

    [Benchmark]
    public void RmsNormOfEightElements() => Ops.RmsNorm(_stream, _x, _weight, 1e-5f, _y);

    [GlobalCleanup]
    public void Cleanup()
    {
        _y.Dispose();
        _weight.Dispose();
        _x.Dispose();
        _stream.Dispose();
    }
}
