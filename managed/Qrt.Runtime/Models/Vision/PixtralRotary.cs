using System.Globalization;

namespace Qrt.Runtime.Models.Vision;

/// <summary>
/// Pixtral's 2-D rotary embedding as cos/sin tables for <see cref="Ops.RopeCosSin"/>. The head_dim / 2 rotary
/// frequencies 1 / theta^(2i / head_dim) are dealt out alternately: the even-indexed ones turn with the patch's
/// row, the odd-indexed ones with its column, rows' first. transformers lays one table per position of a
/// MaxPatchesPerSide² grid (position = row · MaxPatchesPerSide + column, whatever the image's own width) and
/// concatenates it twice for the rotate_half layout; the rotary op applies one half-width table to both halves,
/// so one table of head_dim / 2 columns per patch is the same thing.
/// </summary>
internal static class PixtralRotary
{
    /// <summary>
    /// cos and sin [T, head_dim / 2] for the patches of <paramref name="grids"/> in sequence order. As in
    /// transformers, frequencies and angles are FP32 (angle = fp32(row · freq)) and only cos/sin are taken of them.
    /// </summary>
    public static (float[] Cos, float[] Sin) Tables(PixtralVisionConfig config, IReadOnlyList<PatchGrid> grids)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(grids);
        var half = config.HeadDim / 2;
        var frequencies = Frequencies(config);
        // Row frequencies are even indices 0, 2, 4, ...: ceil(half / 2) of them; column frequencies the rest.
        var rowCount = (half + 1) / 2;
        var total = grids.Sum(grid => grid.Count);
        var cos = new float[total * half];
        var sin = new float[total * half];
        var token = 0;
        foreach (var grid in grids)
        {
            CheckGrid(config, grid);
            for (var row = 0; row < grid.Rows; row++)
            {
                for (var column = 0; column < grid.Columns; column++, token++)
                {
                    var offset = token * half;
                    for (var i = 0; i < half; i++)
                    {
                        var angle = i < rowCount ? row * frequencies[2 * i] : column * frequencies[(2 * (i - rowCount)) + 1];
                        cos[offset + i] = (float)Math.Cos(angle);
                        sin[offset + i] = (float)Math.Sin(angle);
                    }
                }
            }
        }

        return (cos, sin);
    }

    /// <summary>The head_dim / 2 frequencies 1 / theta^(2i / head_dim), rounded to FP32.</summary>
    public static float[] Frequencies(PixtralVisionConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var half = config.HeadDim / 2;
        var frequencies = new float[half];
        for (var i = 0; i < half; i++)
        {
            frequencies[i] = (float)(1.0 / Math.Pow(config.RopeTheta, (float)(2 * i) / config.HeadDim));
        }

        return frequencies;
    }

    private static void CheckGrid(PixtralVisionConfig config, PatchGrid grid)
    {
        var limit = config.MaxPatchesPerSide;
        if (grid.Rows <= 0 || grid.Columns <= 0 || grid.Rows > limit || grid.Columns > limit)
        {
            throw new ArgumentException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"an image of {grid.Rows}x{grid.Columns} patches is outside the tower's 1..{limit} patches per side (image_size {config.ImageSize} / patch_size {config.PatchSize})"),
                nameof(grid));
        }
    }
}
