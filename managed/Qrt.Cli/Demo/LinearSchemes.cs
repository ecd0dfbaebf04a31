using Qrt.Runtime;
using Qrt.Runtime.Layers;

namespace Qrt.Cli.Demo;

/// <summary>Builds a linear layer in each weight scheme from the same FP32 weights.</summary>
internal static class LinearSchemes
{
    public static readonly string[] Names = ["F32", "BF16", "W4A16 g64", "W4A16 g32 asym", "W8A8-INT8", "W8A8-FP8", "W8A16-FP8"];

    public static ILinear Create(string scheme, float[] weights, int rows, int cols, Device device) => scheme switch
    {
        "F32" => new DenseLinear(QrtTensor.FromFloats(weights, DType.F32, [rows, cols], device)),
        "BF16" => new DenseLinear(QrtTensor.FromFloats(weights, DType.BF16, [rows, cols], device)),
        "W4A16 g64" => new PackedIntLinear(WeightQuantizer.QuantizePacked(weights, rows, cols, bits: 4, groupSize: 64, symmetric: true, device), cols),
        "W4A16 g32 asym" => new PackedIntLinear(WeightQuantizer.QuantizePacked(weights, rows, cols, bits: 4, groupSize: 32, symmetric: false, device), cols),
        "W8A8-INT8" => Int8(weights, rows, cols, device),
        "W8A8-FP8" => Fp8(weights, rows, cols, device, weightOnly: false),
        "W8A16-FP8" => Fp8(weights, rows, cols, device, weightOnly: true),
        _ => throw new ArgumentOutOfRangeException(nameof(scheme), scheme, "unknown scheme"),
    };

    private static Int8Linear Int8(float[] weights, int rows, int cols, Device device)
    {
        var (weight, scale) = WeightQuantizer.QuantizeInt8PerChannel(weights, rows, cols, device);
        return new Int8Linear(weight, scale);
    }

    private static ILinear Fp8(float[] weights, int rows, int cols, Device device, bool weightOnly)
    {
        var (weight, scale) = WeightQuantizer.QuantizeFp8(weights, rows, cols, perChannel: true, device);
        return weightOnly ? new Fp8WeightOnlyLinear(weight, scale) : new Fp8Linear(weight, scale);
    }
}
