using Qrt.Runtime.Layers;
using Qrt.Runtime.Models.Architectures;
using Qrt.Runtime.Quantization.Schemes;

namespace Qrt.Runtime.Models.Loading;

/// <summary>
/// Makes the layer object for one checked linear layer of a checkpoint. The loader's default builds the kernel
/// layers of <c>Qrt.Runtime.Layers</c>; tests substitute a factory that builds reference layers from the same
/// tensors.
/// </summary>
internal interface ILinearFactory
{
    /// <summary>The layer <paramref name="plan"/>, stored in <paramref name="scheme"/>, from <paramref name="weights"/>.</summary>
    ILinear Create(PlannedLinear plan, LinearScheme scheme, CheckpointWeights weights);
}
