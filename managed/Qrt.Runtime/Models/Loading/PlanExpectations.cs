using Qrt.Runtime.Checkpoints;
using Qrt.Runtime.Models.Architectures;
using Qrt.Runtime.Quantization.Schemes;

namespace Qrt.Runtime.Models.Loading;

/// <summary>
/// Every tensor a <see cref="DecoderPlan"/> needs, with the dtypes and shapes its scheme allows: what the
/// checkpoint must hold exactly, checked before a byte of weights is read.
/// </summary>
internal static class PlanExpectations
{
    private static readonly SafetensorsDType[] FloatTypes = [SafetensorsDType.F32, SafetensorsDType.F16, SafetensorsDType.BF16];

    /// <summary>Buffers some exporters save next to the weights; they are recomputed, never read.</summary>
    public static bool IsIgnorable(string name) => name.EndsWith(".rotary_emb.inv_freq", StringComparison.Ordinal);

    /// <summary>The scheme of every linear layer of <paramref name="plan"/>, resolved from the quantization config.</summary>
    public static Dictionary<string, LinearScheme> Schemes(DecoderPlan plan, QuantizationConfig quantization) => Schemes(plan.Linears(), quantization);

    /// <summary>Name → expectation for every tensor of the plan under <paramref name="schemes"/>.</summary>
    public static Dictionary<string, TensorExpectation> Build(DecoderPlan plan, IReadOnlyDictionary<string, LinearScheme> schemes) =>
        Build(plan.PlainTensors(), plan.Linears(), schemes);

    /// <summary>The scheme of each of <paramref name="linears"/>, by module name, resolved from the quantization config.</summary>
    public static Dictionary<string, LinearScheme> Schemes(IEnumerable<PlannedLinear> linears, QuantizationConfig quantization)
    {
        ArgumentNullException.ThrowIfNull(quantization);
        return linears.ToDictionary(linear => linear.Name, linear => quantization.Resolve(linear.Name), StringComparer.Ordinal);
    }

    /// <summary>
    /// Name → expectation for floating-point <paramref name="plainTensors"/> (any float dtype, exact shape) and for the
    /// tensors each of <paramref name="linears"/> is stored as under its scheme, with its bias when it has one.
    /// </summary>
    public static Dictionary<string, TensorExpectation> Build(
        IEnumerable<PlannedTensor> plainTensors, IEnumerable<PlannedLinear> linears, IReadOnlyDictionary<string, LinearScheme> schemes)
    {
        ArgumentNullException.ThrowIfNull(schemes);
        var expected = new Dictionary<string, TensorExpectation>(StringComparer.Ordinal);
        foreach (var tensor in plainTensors)
        {
            expected[tensor.Name] = TensorExpectation.OneOf(FloatTypes, tensor.Shape);
        }

        foreach (var linear in linears)
        {
            foreach (var part in LinearTensorLayout.Expected(schemes[linear.Name], linear.OutFeatures, linear.InFeatures))
            {
                expected[$"{linear.Name}.{part.Suffix}"] = part.Expectation;
            }

            if (linear.HasBias)
            {
                expected[$"{linear.Name}.bias"] = TensorExpectation.OneOf(FloatTypes, linear.OutFeatures);
            }
        }

        return expected;
    }
}
