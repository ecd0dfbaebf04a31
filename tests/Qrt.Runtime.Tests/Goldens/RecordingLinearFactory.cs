using Qrt.Runtime.Layers;
using Qrt.Runtime.Models.Loading;
using Qrt.Runtime.Quantization.Schemes;
using Qrt.Runtime.Models.Architectures;

namespace Qrt.Runtime.Tests.Goldens;

/// <summary>
/// The runtime's own linear layers (<see cref="KernelLinearFactory" />), with the ones named in
/// <paramref name="names" /> kept aside so that a test can run them alone; the model still owns and disposes them.
/// </summary>
internal sealed class RecordingLinearFactory(IReadOnlySet<string> names) : ILinearFactory
{
    private readonly Dictionary<string, ILinear> _recorded = new(StringComparer.Ordinal);

    /// <summary>The layers built so far among those asked for, by checkpoint name.</summary>
    public IReadOnlyDictionary<string, ILinear> Recorded => _recorded;

    public ILinear Create(PlannedLinear plan, LinearScheme scheme, CheckpointWeights weights)
    {
        var linear = KernelLinearFactory.Instance.Create(plan, scheme, weights);
        if (names.Contains(plan.Name))
        {
            _recorded[plan.Name] = linear;
        }

        return linear;
    }
}
