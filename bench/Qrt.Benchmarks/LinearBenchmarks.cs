using BenchmarkDotNet.Attributes;
using Qrt.Runtime;
using Qrt.Runtime.Layers;

namespace Qrt.Benchmarks;

/// <summary>
/// A decode-shaped linear layer (one token, Pixtral-12B's o_proj: 5120 x 4096) in each weight scheme on the
/// CPU backend, through the managed layers: what a CPU-only user pays per layer per token.
/// </summary>
public class LinearBenchmarks
{
    private const int OutFeatures = 5120;
    private const int InFeatures = 4096;

    private QrtStream _stream = null!;
    private ILinear _layer = null!;
    private QrtTensor _x = null!;
    private QrtTensor _y = null!;

    [Params("BF16", "W4A16 g128", "W8A8-INT8", "W8A8-FP8")]
    public string Scheme { get; set; } = "BF16";

    [Params(1, 16)]
    public int Tokens { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(11);
        var weights = new float[OutFeatures * InFeatures];
        for (var i = 0; i < weights.Length; i++)
        {
            weights[i] = (float)((random.NextDouble() * 2) - 1) / 64f;
        }

        _stream = new QrtStream(Device.Cpu);
        _layer = Scheme switch
        {
            "BF16" => new DenseLinear(QrtTensor.FromFloats(weights, DType.BF16, [OutFeatures, InFeatures])),
            "W4A16 g128" => new PackedIntLinear(WeightQuantizer.QuantizePacked(weights, OutFeatures, InFeatures, bits: 4, groupSize: 128, symmetric: true), InFeatures),
            "W8A8-INT8" => Int8(weights),
            _ => Fp8(weights),
        };
        _x = QrtTensor.FromFloats(new float[Tokens * InFeatures], DType.BF16, [Tokens, InFeatures]);
        _y = QrtTensor.Empty(DType.BF16, [Tokens, OutFeatures]);
    }

    [Benchmark]
    public void Forward() => _layer.Forward(_stream, _x, _y);

    [GlobalCleanup]
    public void Cleanup()
    {
        _y.Dispose();
        _x.Dispose();
        _layer.Dispose();
        _stream.Dispose();
    }

    private static Int8Linear Int8(float[] weights)
    {
        var (weight, scale) = WeightQuantizer.QuantizeInt8PerChannel(weights, OutFeatures, InFeatures);
        return new Int8Linear(weight, scale);
    }

    private static Fp8Linear Fp8(float[] weights)
    {
        var (weight, scale) = WeightQuantizer.QuantizeFp8(weights, OutFeatures, InFeatures, perChannel: true);
        return new Fp8Linear(weight, scale);
    }
}
