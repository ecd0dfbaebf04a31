using Qrt.Runtime.Layers;

namespace Qrt.Runtime.Models.Vision;

/// <summary>
/// Llava's multi-modal projector: y = linear_2(GELU(linear_1(x))) with the exact (erf) GELU, mapping image
/// features [N, vision hidden] to the language model's embedding width [N, text hidden]. Biases are the layers'
/// own (present when multimodal_projector_bias is true).
/// </summary>
internal sealed class LlavaProjector(ILinear first, ILinear second) : IDisposable
{
    /// <summary>Input width (the vision tower's hidden size).</summary>
    public long InFeatures => first.InFeatures;

    /// <summary>Output width (the text model's hidden size).</summary>
    public long OutFeatures => second.OutFeatures;

    /// <summary>linear_1 and linear_2, for summaries.</summary>
    public IEnumerable<ILinear> Linears => [first, second];

    /// <summary>Projects features [N, in] into a new F32 tensor [N, out].</summary>
    public QrtTensor Forward(QrtStream stream, QrtTensor features)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(features);
        var rows = features.Size(0);
        var device = stream.Device;
        var projected = QrtTensor.Empty(device.ActivationDType(), [rows, OutFeatures], device);
        try
        {
            using var inner = QrtTensor.Empty(device.ActivationDType(), [rows, first.OutFeatures], device);
            first.Forward(stream, features, inner);
            Ops.Activate(stream, Activation.Gelu, inner, inner);
            second.Forward(stream, inner, projected);
            stream.Synchronize();
            return projected;
        }
        catch
        {
            projected.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        first.Dispose();
        second.Dispose();
    }
}
