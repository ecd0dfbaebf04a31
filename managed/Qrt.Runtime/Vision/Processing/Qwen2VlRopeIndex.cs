namespace Qrt.Runtime.Vision.Processing;

/// <summary>
/// Qwen2-VL's M-RoPE position ids for an expanded prompt (the reference's get_rope_index for one sequence of
/// images).
/// </summary>
/// <remarks>
/// Text tokens advance all three axes together, one per token. An image's t · (h/m) · (w/m) pad tokens take
/// (frame, merged row, merged column), each axis offset by the position the image's first pad would have had as
/// text. The text after an image resumes at the largest position so far + 1, so positions run shorter than the
/// sequence; <see cref="MultimodalPositions.RopeDelta" /> records by how much. Images are counted as the
/// reference counts them: a &lt;|vision_start|&gt; immediately followed by a &lt;|image_pad|&gt;.
/// </remarks>
internal static class Qwen2VlRopeIndex
{
    /// <summary>Position ids of <paramref name="inputIds" />, whose images have the grids <paramref name="imageGrids" /> in order.</summary>
    /// <exception cref="ArgumentException">The images in the ids do not match the grids.</exception>
    public static MultimodalPositions Compute(ReadOnlySpan<int> inputIds, IReadOnlyList<Qwen2VlGrid> imageGrids, Qwen2VlImageTokenIds ids, int mergeSize = 2)
    {
        ArgumentNullException.ThrowIfNull(imageGrids);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(mergeSize);
        var images = CountImages(inputIds, ids);
        if (images != imageGrids.Count)
        {
            throw new ArgumentException(
                $"the prompt opens {images} image(s) (<|vision_start|> followed by <|image_pad|>) but {imageGrids.Count} image grid(s) were given",
                nameof(imageGrids));
        }

        var length = inputIds.Length;
        var temporal = new int[length];
        var height = new int[length];
        var width = new int[length];
        var next = 0;          // index of the first token not yet given a position
        var nextPosition = 0;  // the position the next text token takes: the largest so far + 1
        for (var image = 0; image < imageGrids.Count; image++)
        {
            var grid = imageGrids[image];
            var start = inputIds[next..].IndexOf(ids.ImagePad) + next;
            var mergedHeight = grid.Height / mergeSize;
            var mergedWidth = grid.Width / mergeSize;
            var tokens = grid.Temporal * mergedHeight * mergedWidth;
            var pads = CountRun(inputIds, start, ids.ImagePad);
            if (pads != tokens)
            {
                throw new ArgumentException(
                    $"image {image} has {pads} <|image_pad|> token(s) in the prompt but its {grid.Temporal}x{grid.Height}x{grid.Width} grid makes {tokens}; expand the prompt for the same images",
                    nameof(inputIds));
            }

            var textLength = start - next;
            FillText(temporal, height, width, next, textLength, nextPosition);
            var imageBase = nextPosition + textLength;
            var index = start;
            for (var t = 0; t < grid.Temporal; t++)
            {
                for (var h = 0; h < mergedHeight; h++)
                {
                    for (var w = 0; w < mergedWidth; w++)
                    {
                        temporal[index] = imageBase + t;
                        height[index] = imageBase + h;
                        width[index] = imageBase + w;
                        index++;
                    }
                }
            }

            nextPosition = imageBase + Math.Max(grid.Temporal, Math.Max(mergedHeight, mergedWidth));
            next = start + tokens;
        }

        if (inputIds[next..].Contains(ids.ImagePad))
        {
            throw new ArgumentException(
                $"the prompt has <|image_pad|> tokens after its {imageGrids.Count} image(s): a pad not opened by <|vision_start|>",
                nameof(inputIds));
        }

        FillText(temporal, height, width, next, length - next, nextPosition);
        var largest = length == 0 ? -1 : nextPosition + (length - next) - 1;
        return new MultimodalPositions(temporal, height, width, largest + 1 - length);
    }

    private static int CountImages(ReadOnlySpan<int> inputIds, Qwen2VlImageTokenIds ids)
    {
        var count = 0;
        for (var i = 0; i + 1 < inputIds.Length; i++)
        {
            if (inputIds[i] == ids.VisionStart && inputIds[i + 1] == ids.ImagePad)
            {
                count++;
            }
        }

        return count;
    }

    private static int CountRun(ReadOnlySpan<int> inputIds, int start, int id)
    {
        var end = start;
        while (end < inputIds.Length && inputIds[end] == id)
        {
            end++;
        }

        return end - start;
    }

    private static void FillText(int[] temporal, int[] height, int[] width, int start, int count, int firstPosition)
    {
        for (var i = 0; i < count; i++)
        {
            temporal[start + i] = height[start + i] = width[start + i] = firstPosition + i;
        }
    }
}
