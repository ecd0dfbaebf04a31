namespace Qrt.Runtime.Vision.Processing;

/// <summary>
/// Cuts a normalised image into the rows the Pixtral vision encoder's patch convolution multiplies, and gives each
/// patch its 2-D rotary position id.
/// </summary>
internal static class PixtralPatches
{
    /// <summary>
    /// One row of 3 · p · p values per p × p patch, patches row-major (row · columns + column), values inside a
    /// patch channel first, then y, then x: the order of patch_conv.weight [hidden, 3, p, p] flattened, so the
    /// stride-p convolution becomes rows × weightᵀ.
    /// </summary>
    /// <remarks>
    /// Like the convolution (kernel = stride = p, no padding), only whole patches count: pixels past the last whole
    /// patch of a row or column are ignored. Images resized to <see cref="PixtralImageLayout.TargetSize" /> have none.
    /// </remarks>
    public static PatchRows Extract(NormalizedImage image, int patchSize)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(patchSize);
        var rows = image.Height / patchSize;
        var columns = image.Width / patchSize;
        if (rows == 0 || columns == 0)
        {
            throw new ArgumentException($"a {image.Width}x{image.Height} image holds no whole {patchSize}x{patchSize} patch", nameof(image));
        }

        var plane = image.Width * image.Height;
        var rowLength = 3 * patchSize * patchSize;
        var values = new float[checked(rows * columns * rowLength)];
        var source = image.Values;
        var next = 0;
        for (var patchRow = 0; patchRow < rows; patchRow++)
        {
            for (var patchColumn = 0; patchColumn < columns; patchColumn++)
            {
                for (var channel = 0; channel < 3; channel++)
                {
                    for (var y = 0; y < patchSize; y++)
                    {
                        var start = (channel * plane) + (((patchRow * patchSize) + y) * image.Width) + (patchColumn * patchSize);
                        source.AsSpan(start, patchSize).CopyTo(values.AsSpan(next, patchSize));
                        next += patchSize;
                    }
                }
            }
        }

        return new PatchRows(values, rows, columns, rowLength);
    }

    /// <summary>
    /// The rotary position id of each patch of a <paramref name="rows" /> × <paramref name="columns" /> grid, in
    /// patch order: row · <paramref name="maxWidth" /> + column, where maxWidth = image_size / patch_size is the
    /// widest grid the encoder supports (64 for Pixtral), not this image's own width.
    /// </summary>
    public static int[] PositionIds(int rows, int columns, int maxWidth)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(columns);
        if (columns > maxWidth || rows > maxWidth)
        {
            throw new ArgumentException($"a {rows}x{columns} patch grid exceeds the encoder's {maxWidth}x{maxWidth} patches per side");
        }

        var ids = new int[rows * columns];
        for (var row = 0; row < rows; row++)
        {
            for (var column = 0; column < columns; column++)
            {
                ids[(row * columns) + column] = (row * maxWidth) + column;
            }
        }

        return ids;
    }
}
