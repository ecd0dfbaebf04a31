namespace Qrt.Runtime.Vision.Processing;

/// <summary>
/// Cuts a normalised image into Qwen2-VL's patch rows (pixel_values) and gives each patch its 2-D vision rotary
/// position.
/// </summary>
/// <remarks>
/// Patch order: the reference reshapes the frames to (t, T, C, h/m, m, p, w/m, m, p) and permutes to
/// (t, h/m, w/m, m, m, C, T, p, p), so patches come merge window by merge window (each window's m × m patches
/// row-major, windows row-major), which lets the patch merger take m² consecutive rows as one token. Inside a row
/// the C · T · p · p values run channel, then temporal copy, then y, then x — the layout of the Conv3d weight
/// [embed, C, T, p, p] flattened. A single image is its own temporal partner: both copies hold the same pixels.
/// </remarks>
internal static class Qwen2VlPatches
{
    /// <summary>Patch rows of <paramref name="image" /> (sides multiples of patch · merge) and its grid (1, h/p, w/p).</summary>
    public static (PatchRows Rows, Qwen2VlGrid Grid) Extract(NormalizedImage image, int patchSize = 14, int temporalPatchSize = 2, int mergeSize = 2)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(patchSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(temporalPatchSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(mergeSize);
        var window = patchSize * mergeSize;
        if (image.Width % window != 0 || image.Height % window != 0)
        {
            throw new ArgumentException(
                $"a {image.Width}x{image.Height} image cannot be cut into {window}x{window} merge windows; resize it to the smart-resize size first",
                nameof(image));
        }

        var gridHeight = image.Height / patchSize;
        var gridWidth = image.Width / patchSize;
        var plane = image.Width * image.Height;
        var rowLength = 3 * temporalPatchSize * patchSize * patchSize;
        var values = new float[checked(gridHeight * gridWidth * rowLength)];
        var source = image.Values;
        var next = 0;
        foreach (var (row, column) in WindowOrder(gridHeight, gridWidth, mergeSize))
        {
            for (var channel = 0; channel < 3; channel++)
            {
                for (var copy = 0; copy < temporalPatchSize; copy++)
                {
                    for (var y = 0; y < patchSize; y++)
                    {
                        var start = (channel * plane) + (((row * patchSize) + y) * image.Width) + (column * patchSize);
                        source.AsSpan(start, patchSize).CopyTo(values.AsSpan(next, patchSize));
                        next += patchSize;
                    }
                }
            }
        }

        return (new PatchRows(values, gridHeight, gridWidth, rowLength), new Qwen2VlGrid(1, gridHeight, gridWidth));
    }

    /// <summary>
    /// The (patch row, patch column) of each patch in encoder order — the vision rotary positions, repeated for each
    /// temporal patch of <paramref name="grid" />.
    /// </summary>
    public static VisionPatchPositions RotaryPositions(Qwen2VlGrid grid, int mergeSize = 2)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(grid.Temporal);
        if (grid.Height % mergeSize != 0 || grid.Width % mergeSize != 0)
        {
            throw new ArgumentException($"a {grid.Height}x{grid.Width} patch grid is not whole {mergeSize}x{mergeSize} merge windows", nameof(grid));
        }

        var rows = new int[grid.PatchCount];
        var columns = new int[grid.PatchCount];
        var next = 0;
        for (var frame = 0; frame < grid.Temporal; frame++)
        {
            foreach (var (row, column) in WindowOrder(grid.Height, grid.Width, mergeSize))
            {
                rows[next] = row;
                columns[next] = column;
                next++;
            }
        }

        return new VisionPatchPositions(rows, columns);
    }

    // Merge windows row-major, then the patches of each window row-major.
    private static IEnumerable<(int Row, int Column)> WindowOrder(int gridHeight, int gridWidth, int mergeSize)
    {
        for (var windowRow = 0; windowRow < gridHeight / mergeSize; windowRow++)
        {
            for (var windowColumn = 0; windowColumn < gridWidth / mergeSize; windowColumn++)
            {
                for (var inRow = 0; inRow < mergeSize; inRow++)
                {
                    for (var inColumn = 0; inColumn < mergeSize; inColumn++)
                    {
                        yield return ((windowRow * mergeSize) + inRow, (windowColumn * mergeSize) + inColumn);
                    }
                }
            }
        }
    }
}
