using Qrt.Runtime.Models.Architectures;

namespace Qrt.Runtime.Models.Loading;

/// <summary>Parameters of a plan as the unquantized model has them (a packed code counts as one weight).</summary>
internal static class ParameterCounting
{
    /// <summary>The elements of <paramref name="tensors"/> plus the weights and biases of <paramref name="linears"/>.</summary>
    public static long Of(IEnumerable<PlannedTensor> tensors, IEnumerable<PlannedLinear> linears) =>
        tensors.Sum(tensor => tensor.Shape.Aggregate(1L, (product, extent) => product * extent))
        + linears.Sum(linear => (linear.OutFeatures * linear.InFeatures) + (linear.HasBias ? linear.OutFeatures : 0));
}
