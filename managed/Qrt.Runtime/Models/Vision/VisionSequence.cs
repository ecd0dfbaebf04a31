namespace Qrt.Runtime.Models.Vision;

/// <summary>
/// What every block of one encoder pass shares, made once per pass on the device: the rotary tables of the
/// patches' grid positions and the block-diagonal mask that keeps each image's patches to themselves.
/// </summary>
internal sealed class VisionSequence : IDisposable
{
    private readonly QrtTensor _segments;

    public VisionSequence(PixtralVisionConfig config, IReadOnlyList<PatchGrid> grids, Device device)
    {
        TokenCount = grids.Sum(grid => grid.Count);
        var (cos, sin) = PixtralRotary.Tables(config, grids);
        var half = config.HeadDim / 2;
        var offsets = new int[grids.Count + 1];
        for (var i = 0; i < grids.Count; i++)
        {
            offsets[i + 1] = offsets[i] + grids[i].Count;
        }

        Cos = QrtTensor.FromData<float>(cos, DType.F32, [TokenCount, half], device);
        try
        {
            Sin = QrtTensor.FromData<float>(sin, DType.F32, [TokenCount, half], device);
            _segments = QrtTensor.FromData<int>(offsets, DType.I32, [offsets.Length], device);
        }
        catch
        {
            Cos.Dispose();
            Sin?.Dispose();
            throw;
        }

        Mask = new AttentionMask(Causal: false, Segments: _segments);
    }

    /// <summary>Patches of all images together.</summary>
    public int TokenCount { get; }

    /// <summary>F32 [T, head_dim / 2].</summary>
    public QrtTensor Cos { get; }

    /// <summary>F32 [T, head_dim / 2].</summary>
    public QrtTensor Sin { get; }

    /// <summary>Non-causal attention within each image's segment.</summary>
    public AttentionMask Mask { get; }

    public void Dispose()
    {
        Cos.Dispose();
        Sin.Dispose();
        _segments.Dispose();
    }
}
