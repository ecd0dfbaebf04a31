using Qrt.Runtime.Vision.Processing;

namespace Qrt.Runtime.Models.Vision;

/// <summary>
/// What every block of one vision-encoder pass shares, made once per pass on the device: the rotary tables of the
/// patches' grid positions and the block-diagonal mask that keeps each segment's patches to themselves — one
/// segment per image for Pixtral, one per frame of every image for Qwen2-VL (the model's cu_seqlens).
/// </summary>
internal sealed class VisionSequence : IDisposable
{
    private readonly QrtTensor _segments;

    private VisionSequence((float[] Cos, float[] Sin) tables, int half, IEnumerable<int> segmentLengths, Device device)
    {
        var offsets = new List<int> { 0 };
        foreach (var length in segmentLengths)
        {
            offsets.Add(offsets[^1] + length);
        }

        TokenCount = offsets[^1];
        Cos = QrtTensor.FromData<float>(tables.Cos, DType.F32, [TokenCount, half], device);
        try
        {
            Sin = QrtTensor.FromData<float>(tables.Sin, DType.F32, [TokenCount, half], device);
            _segments = QrtTensor.FromData<int>([.. offsets], DType.I32, [offsets.Count], device);
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

    /// <summary>Non-causal attention within each segment.</summary>
    public AttentionMask Mask { get; }

    /// <summary>A Pixtral pass over images of <paramref name="grids"/>: 2-D rotary tables, one segment per image.</summary>
    public static VisionSequence ForPixtral(PixtralVisionConfig config, IReadOnlyList<PatchGrid> grids, Device device)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(grids);
        return new VisionSequence(PixtralRotary.Tables(config, grids), config.HeadDim / 2, grids.Select(grid => grid.Count), device);
    }

    /// <summary>A Qwen2-VL pass over images of <paramref name="grids"/>: vision rotary tables, one segment per frame.</summary>
    public static VisionSequence ForQwen2Vl(Qwen2VlVisionConfig config, IReadOnlyList<Qwen2VlGrid> grids, Device device)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(grids);
        return new VisionSequence(
            Qwen2VlVisionRotary.Tables(config, grids),
            config.RotaryHalf,
            grids.SelectMany(grid => Enumerable.Repeat(grid.FramePatchCount, grid.Temporal)),
            device);
    }

    public void Dispose()
    {
        Cos.Dispose();
        Sin.Dispose();
        _segments.Dispose();
    }
}
