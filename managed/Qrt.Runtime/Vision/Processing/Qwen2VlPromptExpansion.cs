namespace Qrt.Runtime.Vision.Processing;

/// <summary>
/// Replaces each &lt;|image_pad|&gt; of a tokenized prompt (the chat template writes
/// &lt;|vision_start|&gt;&lt;|image_pad|&gt;&lt;|vision_end|&gt; per image) with one pad per merged image token.
/// </summary>
/// <remarks>
/// The reference processor repeats the pad in the prompt text and then tokenizes; the pad is a special token, so
/// repeating its id after tokenization gives the same ids.
/// </remarks>
internal static class Qwen2VlPromptExpansion
{
    /// <summary>
    /// <paramref name="promptIds" /> with the k-th pad repeated t · h · w / merge² times for the k-th grid of
    /// <paramref name="imageGrids" />.
    /// </summary>
    /// <exception cref="ArgumentException">The prompt holds more or fewer pads than there are images.</exception>
    public static int[] Expand(ReadOnlySpan<int> promptIds, IReadOnlyList<Qwen2VlGrid> imageGrids, Qwen2VlImageTokenIds ids, int mergeSize = 2)
    {
        ArgumentNullException.ThrowIfNull(imageGrids);
        var placeholders = promptIds.Count(ids.ImagePad);
        if (placeholders != imageGrids.Count)
        {
            throw new ArgumentException(
                $"the prompt has {placeholders} image placeholder token(s) (<|image_pad|>, id {ids.ImagePad}) but {imageGrids.Count} image(s) were given; each image needs exactly one placeholder",
                nameof(imageGrids));
        }

        var expanded = new List<int>(promptIds.Length);
        var image = 0;
        foreach (var id in promptIds)
        {
            if (id != ids.ImagePad)
            {
                expanded.Add(id);
                continue;
            }

            var count = Qwen2VlImageLayout.TokenCount(imageGrids[image++], mergeSize);
            for (var i = 0; i < count; i++)
            {
                expanded.Add(ids.ImagePad);
            }
        }

        return [.. expanded];
    }
}
