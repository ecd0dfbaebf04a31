namespace Qrt.Runtime.Layers;

/// <summary>
/// Scratch tensors for one call's quantized activations: codes shaped like x and, for dynamic
/// quantization, one F32 scale per row. Allocated per call on the stream's device.
/// </summary>
internal sealed class ActivationQuantization : IDisposable
{
    public ActivationQuantization(QrtTensor x, DType codeType, bool dynamic)
    {
        Codes = QrtTensor.Empty(codeType, x.Shape, x.Device);
        var rows = x.Size(-1) == 0 ? 0 : x.ElementCount / x.Size(-1);
        RowScales = dynamic ? QrtTensor.Empty(DType.F32, [rows], x.Device) : null;
    }

    /// <summary>The quantized activations.</summary>
    public QrtTensor Codes { get; }

    /// <summary>Per-row scales written by dynamic quantization; null for static.</summary>
    public QrtTensor? RowScales { get; }

    public void Dispose()
    {
        Codes.Dispose();
        RowScales?.Dispose();
    }
}
