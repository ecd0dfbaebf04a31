using Qrt.Runtime.Tests.Ops.Gemm;
using Qrt.Runtime.Tests.Reference;

namespace Qrt.Runtime.Tests.Models.Reference;

/// <summary>
/// A scheme's activation quantization, emulated: activations are quantized as the scheme defines (per token
/// absmax/127 or /448, or a static scale and zero point) and dequantized again, so the reference layer's input
/// carries exactly the information the quantized kernel sees.
/// </summary>
internal abstract record ActivationEmulation
{
    public static ActivationEmulation None { get; } = new Unquantized();

    /// <summary>x [rows, cols] as the quantized kernel sees it.</summary>
    public abstract double[] Apply(float[] x, int rows, int cols);

    private sealed record Unquantized : ActivationEmulation
    {
        public override double[] Apply(float[] x, int rows, int cols) => [.. x.Select(v => (double)v)];
    }
}

/// <summary>INT8 per token: scale = max|x| / 127 per row.</summary>
internal sealed record Int8DynamicEmulation : ActivationEmulation
{
    public override double[] Apply(float[] x, int rows, int cols)
    {
        var (codes, scales) = ActivationQuantReference.Int8Dynamic(x, rows, cols);
        return [.. codes.Select((code, i) => code * (double)scales[i / cols])];
    }
}

/// <summary>INT8 with the checkpoint's static scale and zero point.</summary>
internal sealed record Int8StaticEmulation(float Scale, int ZeroPoint) : ActivationEmulation
{
    public override double[] Apply(float[] x, int rows, int cols) =>
        [.. ActivationQuantReference.Int8Static(x, Scale, ZeroPoint).Select(code => (code - ZeroPoint) * (double)Scale)];
}

/// <summary>FP8 e4m3 per token: scale = max|x| / 448 per row.</summary>
internal sealed record Fp8DynamicEmulation : ActivationEmulation
{
    public override double[] Apply(float[] x, int rows, int cols)
    {
        var (codes, scales) = ActivationQuantReference.Fp8Dynamic(x, rows, cols);
        return [.. codes.Select((code, i) => NumberFormats.Fp8ToFloat(code) * (double)scales[i / cols])];
    }
}

/// <summary>FP8 e4m3 with the checkpoint's static scale.</summary>
internal sealed record Fp8StaticEmulation(float Scale) : ActivationEmulation
{
    public override double[] Apply(float[] x, int rows, int cols) =>
        [.. ActivationQuantReference.Fp8Static(x, Scale).Select(code => NumberFormats.Fp8ToFloat(code) * (double)Scale)];
}
