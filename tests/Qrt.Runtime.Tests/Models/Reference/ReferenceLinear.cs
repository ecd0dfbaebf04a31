using Qrt.Runtime.Layers;

namespace Qrt.Runtime.Tests.Models.Reference;

/// <summary>
/// A linear layer on dequantized weights in double precision, with the scheme's activation quantization
/// emulated: the semantics vLLM and llm-compressor give a quantized checkpoint, computed without libqrt's GEMMs.
/// </summary>
internal sealed class ReferenceLinear(double[] weight, double[]? bias, int outFeatures, int inFeatures, ActivationEmulation activations, string scheme)
    : ILinear
{
    public long InFeatures => inFeatures;

    public long OutFeatures => outFeatures;

    public string Scheme => $"reference {scheme}";

    /// <summary>The dequantized weight [out, in].</summary>
    public double[] Weight => weight;

    public void Forward(QrtStream stream, QrtTensor x, QrtTensor y)
    {
        stream.Synchronize();
        var rows = checked((int)(x.ElementCount / inFeatures));
        var input = activations.Apply(x.ToArray<float>(), rows, inFeatures);
        var output = new float[rows * outFeatures];
        for (var r = 0; r < rows; r++)
        {
            var row = input.AsSpan(r * inFeatures, inFeatures);
            for (var n = 0; n < outFeatures; n++)
            {
                var w = weight.AsSpan(n * inFeatures, inFeatures);
                var sum = bias?[n] ?? 0.0;
                for (var k = 0; k < inFeatures; k++)
                {
                    sum += row[k] * w[k];
                }

                output[(r * outFeatures) + n] = (float)sum;
            }
        }

        y.CopyFrom<float>(output);
    }

    public void Dispose()
    {
    }
}
