using Qrt.Runtime.Vision.Processing;

namespace Qrt.Runtime.Models.Vision;

/// <summary>
/// What every block of one Qwen2-VL encoder pass shares, made once per pass on the device: the rotary tables of
/// the patches' grid positions and the block-diagonal mask that keeps each frame's patches to themselves (the
/// model's cu_seqlens: one segment of rows · columns patches per frame of every image).
/// </summary>
internal sealed class Qwen2VlVisionSequence : IDisposable
{
    private readonly QrtTensor _segments;

    public Qwen2VlVisionSequence(Qwen2VlVisionConfig config, IReadOnlyList<Qwen2VlGrid> grids, Device device)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(grids);
        var (cos, sin) = Qwen2VlVisionRotary.Tables(config, grids);
        TokenCount = grids.Sum(grid => grid.PatchCount);
        var offsets = new List<int> { 0 };
        foreach (var grid in grids)
        {
            for (var frame = 0; frame < grid.Temporal; frame++)
            {
                offsets.Add(offsets[^1] + grid.FramePatchCount);
            }
        }

        var half = config.RotaryHalf;
        Cos = QrtTensor.FromData<float>(cos, DType.F32, [TokenCount, half], device);
        try
        {
            Sin = QrtTensor.FromData<float>(sin, DType.F32, [TokenCount, half], device);
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

    /// <summary>Non-causal attention within each frame's segment.</summary>
    public AttentionMask Mask { get; }

    public void Dispose()
    {
        Cos.Dispose();
        Sin.Dispose();
        _segments.Dispose();
    }
}
