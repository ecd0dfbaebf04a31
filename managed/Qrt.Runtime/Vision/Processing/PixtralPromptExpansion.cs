namespace Qrt.Runtime.Vision.Processing;

/// <summary>
/// Replaces each [IMG] placeholder of a tokenized prompt with the full token layout of its image, image by image
/// in order.
/// </summary>
/// <remarks>
/// The reference processor expands the placeholders in the prompt TEXT and then tokenizes the result. [IMG],
/// [IMG_BREAK] and [IMG_END] are special tokens of the tokenizer, so they split the text and each becomes exactly
/// its own id whatever surrounds it: expanding after tokenization gives the same ids, and the text need not be
/// tokenized again for each image size.
/// </remarks>
internal static class PixtralPromptExpansion
{
    /// <summary>
    /// <paramref name="promptIds" /> with the k-th [IMG] replaced by the layout of the k-th image, whose patch grid
    /// is <paramref name="imagePatchGrids" />[k] (rows, columns).
    /// </summary>
    /// <exception cref="ArgumentException">The prompt holds more or fewer placeholders than there are images.</exception>
    public static int[] Expand(ReadOnlySpan<int> promptIds, IReadOnlyList<(int Rows, int Columns)> imagePatchGrids, PixtralImageTokenIds ids)
    {
        ArgumentNullException.ThrowIfNull(imagePatchGrids);
        var placeholders = promptIds.Count(ids.Image);
        if (placeholders != imagePatchGrids.Count)
        {
            throw new ArgumentException(
                $"the prompt has {placeholders} image placeholder token(s) (id {ids.Image}) but {imagePatchGrids.Count} image(s) were given; each image needs exactly one placeholder",
                nameof(imagePatchGrids));
        }

        var expanded = new List<int>(promptIds.Length);
        var image = 0;
        foreach (var id in promptIds)
        {
            if (id != ids.Image)
            {
                expanded.Add(id);
                continue;
            }

            var (rows, columns) = imagePatchGrids[image++];
            expanded.AddRange(PixtralImageLayout.ImageTokens(rows, columns, ids));
        }

        return [.. expanded];
    }
}
