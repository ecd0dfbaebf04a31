using System.Globalization;
using Qrt.Runtime.Vision.Processing;

namespace Qrt.Runtime.Models.Vision;

/// <summary>
/// Qwen2-VL's 2-D vision rotary embedding as cos/sin tables for <see cref="Ops.RopeCosSin"/>. One set of
/// head_dim / 4 frequencies 1 / 10000^(2i / (head_dim / 2)) serves both axes: a patch's angles are its row times
/// each frequency, then its column times each, head_dim / 2 angles in all. transformers doubles that row
/// (cat(emb, emb)) and applies it with rotate_half, which turns dim j with dim j + head_dim / 2 by angle j; the
/// rotary op pairs the same dims (half-split) and reads one half-width table for both halves, so the undoubled
/// row is the whole table.
/// </summary>
internal static class Qwen2VlVisionRotary
{
    /// <summary>
    /// cos and sin [T, head_dim / 2] for the patches of <paramref name="grids"/> in the encoder's input order (every
    /// frame of an image in merge-window order, image after image). As in transformers, frequencies and angles are
    /// FP32 (angle = fp32(position · frequency)); cos and sin of that angle are rounded once.
    /// </summary>
    public static (float[] Cos, float[] Sin) Tables(Qwen2VlVisionConfig config, IReadOnlyList<Qwen2VlGrid> grids)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(grids);
        var frequencies = Frequencies(config);
        var quarter = frequencies.Length;
        var half = config.RotaryHalf;
        var total = grids.Sum(grid => grid.PatchCount);
        var cos = new float[total * half];
        var sin = new float[total * half];
        var token = 0;
        foreach (var grid in grids)
        {
            var positions = Positions(config, grid);
            for (var frame = 0; frame < grid.Temporal; frame++)
            {
                foreach (var (row, column) in positions)
                {
                    var offset = token++ * half;
                    for (var i = 0; i < quarter; i++)
                    {
                        Fill(cos, sin, offset + i, (float)row * frequencies[i]);
                        Fill(cos, sin, offset + quarter + i, (float)column * frequencies[i]);
                    }
                }
            }
        }

        return (cos, sin);
    }

    /// <summary>
    /// The (row, column) of each patch of one frame in merge-window order: windows of spatial_merge_size² patches
    /// row by row, and within a window its patches row by row. This is the order the processor lays the patch rows
    /// in, so that the merger can fold each window's consecutive rows into one token.
    /// </summary>
    public static (int Row, int Column)[] Positions(Qwen2VlVisionConfig config, Qwen2VlGrid grid)
    {
        ArgumentNullException.ThrowIfNull(config);
        Check(config, grid);
        // One temporal slice: every slice of a grid shares the same positions.
        var slice = Qwen2VlPatches.RotaryPositions(grid with { Temporal = 1 }, config.SpatialMergeSize);
        return [.. slice.Rows.Zip(slice.Columns)];
    }

    /// <summary>The head_dim / 4 frequencies, computed as transformers does in FP32: 1 / theta^(fp32(2i) / (head_dim / 2)).</summary>
    public static float[] Frequencies(Qwen2VlVisionConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var dim = config.RotaryHalf;
        var frequencies = new float[dim / 2];
        for (var i = 0; i < frequencies.Length; i++)
        {
            frequencies[i] = 1f / (float)Math.Pow(Qwen2VlVisionConfig.RopeTheta, (float)(2 * i) / dim);
        }

        return frequencies;
    }

    /// <summary>Refuses a grid that the merger cannot fold into whole windows.</summary>
    public static void Check(Qwen2VlVisionConfig config, Qwen2VlGrid grid)
    {
        ArgumentNullException.ThrowIfNull(config);
        var merge = config.SpatialMergeSize;
        if (grid.Temporal <= 0 || grid.Height <= 0 || grid.Width <= 0 || grid.Height % merge != 0 || grid.Width % merge != 0)
        {
            throw new ArgumentException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"an image grid of {grid.Temporal}x{grid.Height}x{grid.Width} (frames x rows x columns) must be positive with rows and columns multiples of spatial_merge_size {merge}"),
                nameof(grid));
        }
    }

    private static void Fill(float[] cos, float[] sin, int index, float angle)
    {
        cos[index] = (float)Math.Cos(angle);
        sin[index] = (float)Math.Sin(angle);
    }
}
