namespace Qrt.Runtime.Vision.Processing;

/// <summary>
/// Pixtral's processor rules: the size an image is resized to, and how many patches (and so image tokens) it
/// gives. The numbers follow the current transformers Pixtral image processor, which the checkpoints' own
/// preprocessor_config.json drives (size.longest_edge 1024, patch 16).
/// </summary>
internal static class PixtralImageLayout
{
    /// <summary>
    /// The resized size of a <paramref name="width" /> × <paramref name="height" /> image: scaled down (aspect kept)
    /// so no side exceeds <paramref name="longestEdge" />, then each side rounded UP to whole patches.
    /// </summary>
    /// <remarks>
    /// The scale-down uses ratio = max(height / longestEdge, width / longestEdge) in double precision and, when
    /// ratio &gt; 1, side = floor(side / ratio): the current transformers rule, chosen there so the result never
    /// exceeds the longest edge. Other implementations differ by one pixel before the patch rounding, which can
    /// change the count by one row or column of patches: transformers ≈4.45–4.49 (and vLLM's token-count helper
    /// of that time) took the ceiling, and mistral_common takes Python's round (half to even). Example: 2048 × 1025
    /// gives height 1025 / 2 = 512.5 → floor 512 (32 patch rows) here, 513 → 33 rows with the ceiling.
    /// Images already within the limit are not scaled, only rounded up to whole patches (so small images grow).
    /// </remarks>
    public static ImageDimensions TargetSize(int width, int height, int longestEdge, int patchSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(longestEdge);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(patchSize);

        var scaledWidth = width;
        var scaledHeight = height;
        var ratio = Math.Max(height / (double)longestEdge, width / (double)longestEdge);
        if (ratio > 1)
        {
            scaledHeight = (int)Math.Floor(height / ratio);
            scaledWidth = (int)Math.Floor(width / ratio);
        }

        if (scaledWidth == 0 || scaledHeight == 0)
        {
            // The reference would go on to resize to a zero-pixel side and fail there.
            throw new ArgumentException(
                $"a {width}x{height} image scales to {scaledWidth}x{scaledHeight} for a longest edge of {longestEdge}: its aspect ratio is too extreme");
        }

        return new ImageDimensions(WholePatches(scaledWidth, patchSize) * patchSize, WholePatches(scaledHeight, patchSize) * patchSize);
    }

    /// <summary>Image tokens of an image of <paramref name="rows" /> × <paramref name="columns" /> patches: one per
    /// patch plus one [IMG_BREAK] or [IMG_END] per row.</summary>
    public static int TokenCount(int rows, int columns) => checked(rows * (columns + 1));

    /// <summary>
    /// The token ids an image stands for: for each patch row, one <paramref name="ids" />.Image per patch and then
    /// an [IMG_BREAK], except that the last row ends with [IMG_END] instead.
    /// </summary>
    public static int[] ImageTokens(int rows, int columns, PixtralImageTokenIds ids)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(columns);
        var tokens = new int[TokenCount(rows, columns)];
        var next = 0;
        for (var row = 0; row < rows; row++)
        {
            tokens.AsSpan(next, columns).Fill(ids.Image);
            next += columns;
            tokens[next++] = ids.Break;
        }

        tokens[^1] = ids.End;
        return tokens;
    }

    // The reference's (x - 1) // p + 1: the number of patches that cover x > 0 pixels.
    private static int WholePatches(int pixels, int patchSize) => ((pixels - 1) / patchSize) + 1;
}
