using Qrt.Runtime.Checkpoints;

namespace Qrt.Runtime.Quantization.Schemes;

/// <summary>
/// A tensor a linear layer's scheme needs from the checkpoint: its name suffix ("weight_scale", appended to
/// "&lt;layer&gt;.") and the element types and shapes accepted (a per-tensor scale may be stored as [1] or as a
/// scalar []), in the form <see cref="SafetensorsCheckpoint.RequireExactly" /> checks.
/// </summary>
internal sealed record ExpectedTensor(string Suffix, TensorExpectation Expectation)
{
    /// <summary>Whether a stored tensor of <paramref name="shape" /> and <paramref name="dtype" /> fits.</summary>
    public bool Accepts(IReadOnlyList<long> shape, SafetensorsDType dtype) =>
        Expectation.DTypes.Contains(dtype) && Expectation.Shapes.Any(expected => TensorShapes.SameShape(expected, shape));

    /// <summary>"weight_scale [8, 1] (F32, F16, BF16)", for messages.</summary>
    public string Describe() =>
        $"{Suffix} {string.Join(" or ", Expectation.Shapes.Select(TensorShapes.Describe))} "
        + $"({string.Join(", ", Expectation.DTypes.Select(dtype => dtype.FileName()))})";
}
