namespace Qrt.Runtime.Tests.Models.Multimodal;

/// <summary>
/// The reference processors' rules for how large an image becomes and which tokens it takes in the prompt, written
/// out from transformers' PixtralImageProcessor / PixtralProcessor and Qwen2VLImageProcessor / Qwen2VLProcessor and
/// Qwen2-VL's get_rope_index, independently of the runtime's processing code.
/// </summary>
internal static class ReferenceImageTokens
{
    /// <summary>
    /// Pixtral's patch grid: when a side exceeds <paramref name="longestEdge"/> both are divided by
    /// ratio = max(h, w) / longestEdge and floored, then each side takes (side − 1) // patch + 1 patches.
    /// </summary>
    public static (int Rows, int Columns) PixtralGrid(int width, int height, int longestEdge, int patch)
    {
        var ratio = Math.Max(height / (double)longestEdge, width / (double)longestEdge);
        if (ratio > 1)
        {
            height = (int)Math.Floor(height / ratio);
            width = (int)Math.Floor(width / ratio);
        }

        return (((height - 1) / patch) + 1, ((width - 1) / patch) + 1);
    }

    /// <summary>
    /// PixtralProcessor's expansion: the k-th [IMG] becomes, per patch row, one [IMG] per column followed by
    /// [IMG_BREAK], the last row's break replaced by [IMG_END].
    /// </summary>
    public static int[] PixtralExpand(IEnumerable<int> prompt, IReadOnlyList<(int Rows, int Columns)> grids, int image, int rowBreak, int end)
    {
        var expanded = new List<int>();
        var next = 0;
        foreach (var id in prompt)
        {
            if (id != image)
            {
                expanded.Add(id);
                continue;
            }

            var (rows, columns) = grids[next++];
            for (var row = 0; row < rows; row++)
            {
                expanded.AddRange(Enumerable.Repeat(image, columns));
                expanded.Add(row == rows - 1 ? end : rowBreak);
            }
        }

        return [.. expanded];
    }

    /// <summary>
    /// Qwen2-VL's smart_resize: each side rounded (half to even) to a multiple of <paramref name="factor"/>; when the
    /// area leaves [minPixels, maxPixels] both sides are rescaled by β = sqrt(area ratio) and floored (too large) or
    /// ceiled (too small) to multiples of the factor.
    /// </summary>
    public static (int Height, int Width) SmartResize(int height, int width, int factor, int minPixels, int maxPixels)
    {
        var h = (int)Math.Round(height / (double)factor, MidpointRounding.ToEven) * factor;
        var w = (int)Math.Round(width / (double)factor, MidpointRounding.ToEven) * factor;
        if ((long)h * w > maxPixels)
        {
            var beta = Math.Sqrt(height * (double)width / maxPixels);
            h = (int)Math.Floor(height / beta / factor) * factor;
            w = (int)Math.Floor(width / beta / factor) * factor;
        }
        else if ((long)h * w < minPixels)
        {
            var beta = Math.Sqrt(minPixels / (height * (double)width));
            h = (int)Math.Ceiling(height * beta / factor) * factor;
            w = (int)Math.Ceiling(width * beta / factor) * factor;
        }

        return (h, w);
    }

    /// <summary>Qwen2VLProcessor's expansion: the k-th &lt;|image_pad|&gt; repeated t · h · w / merge² times for the k-th grid.</summary>
    public static int[] Qwen2VlExpand(IEnumerable<int> prompt, IReadOnlyList<(int T, int H, int W)> grids, int pad, int merge)
    {
        var expanded = new List<int>();
        var next = 0;
        foreach (var id in prompt)
        {
            if (id != pad)
            {
                expanded.Add(id);
                continue;
            }

            var (t, h, w) = grids[next++];
            expanded.AddRange(Enumerable.Repeat(pad, t * h * w / (merge * merge)));
        }

        return [.. expanded];
    }

    /// <summary>
    /// get_rope_index for one sequence, chunk by chunk as transformers builds it: before each image, its text chunk
    /// takes st_idx + arange(text_len) on all three axes; the image chunk takes stack(t_index, h_index, w_index) over
    /// the merged grid (t, h/m, w/m), t outermost, plus text_len + st_idx; st_idx is then the last chunk's maximum + 1.
    /// The text after the last image continues the same way. Returns positions [3][n] and rope_delta = max + 1 − n.
    /// </summary>
    public static (int[][] Positions, int Delta) Qwen2VlRopeIndex(IReadOnlyList<int> tokens, IReadOnlyList<(int T, int H, int W)> grids, int pad, int merge)
    {
        var chunks = new List<int[][]>();
        var start = 0;
        var startIndex = 0;
        foreach (var (t, h, w) in grids)
        {
            var end = Enumerable.Range(start, tokens.Count - start).First(i => tokens[i] == pad);
            var textLength = end - start;
            chunks.Add(Text(startIndex, textLength));
            var (gridH, gridW) = (h / merge, w / merge);
            var image = new int[3][];
            image[0] = [.. from ti in Enumerable.Range(0, t) from hi in Enumerable.Range(0, gridH) from wi in Enumerable.Range(0, gridW) select ti + textLength + startIndex];
            image[1] = [.. from ti in Enumerable.Range(0, t) from hi in Enumerable.Range(0, gridH) from wi in Enumerable.Range(0, gridW) select hi + textLength + startIndex];
            image[2] = [.. from ti in Enumerable.Range(0, t) from hi in Enumerable.Range(0, gridH) from wi in Enumerable.Range(0, gridW) select wi + textLength + startIndex];
            chunks.Add(image);
            startIndex = image.SelectMany(axis => axis).Max() + 1;
            start = end + (t * gridH * gridW);
        }

        if (start < tokens.Count)
        {
            chunks.Add(Text(startIndex, tokens.Count - start));
        }

        int[][] positions = [.. Enumerable.Range(0, 3).Select(axis => chunks.SelectMany(chunk => chunk[axis]).ToArray())];
        return (positions, positions.SelectMany(axis => axis).Max() + 1 - tokens.Count);

        static int[][] Text(int first, int count)
        {
            var range = Enumerable.Range(first, count).ToArray();
            return [range, range, range];
        }
    }
}
