namespace Qrt.Runtime.Layers;

/// <summary>
/// Where a W8A8 layer quantizes its input: codes shaped like x and, for dynamic quantization, one F32 scale per row,
/// both in the stream's scratch memory, so a forward pass neither allocates nor waits for the device.
/// </summary>
internal readonly struct ActivationQuantization
{
    public ActivationQuantization(QrtStream stream, QrtTensor x, DType codeType, bool dynamic)
    {
        Codes = stream.Scratch.Rent(ScratchSlot.QuantizedActivations, codeType, x.Shape);
        var rows = x.Size(-1) == 0 ? 0 : x.ElementCount / x.Size(-1);
        RowScales = dynamic ? stream.Scratch.Rent(ScratchSlot.ActivationScales, DType.F32, [rows]) : null;
    }

    /// <summary>The quantized activations.</summary>
    public QrtTensor Codes { get; }

    /// <summary>Per-row scales written by dynamic quantization; null for static.</summary>
    public QrtTensor? RowScales { get; }
}
