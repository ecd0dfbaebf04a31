using Qrt.Runtime.Synthesis;
using Qrt.Runtime.Tests.Vision.Images;
using Qrt.Runtime.Text;
using Qrt.Runtime.Vision;

namespace Qrt.Runtime.Tests.Api;

/// <summary>
/// What the vision-language end-to-end tests share: pictures of odd sizes written as PNG and BMP files byte by byte,
/// and the image-token layout the reference processors give such a picture, worked out here from their documented
/// rules (Pixtral: longest edge 1024, sides rounded up to 16-pixel patches; Qwen2-VL: smart_resize to multiples of
/// 28 within 56² … 3584² pixels, one token per 2 × 2 window of 14-pixel patches).
/// </summary>
internal static class VisionLanguageFixtures
{
    /// <summary>The seed schemes: Pixtral with an INT8 W8A8 language model, Qwen2-VL with W4A16 act-order.</summary>
    public static IEnumerable<TestCaseData> SeedCombinations() =>
    [
        new TestCaseData(SyntheticArchitecture.Pixtral, SyntheticScheme.W8A8Int8).SetArgDisplayNames("pixtral", "w8a8-int8"),
        new TestCaseData(SyntheticArchitecture.Qwen2Vl, SyntheticScheme.W4A16ActOrder).SetArgDisplayNames("qwen2-vl", "w4a16-actorder"),
    ];

    /// <summary>A picture of seeded noise, so two seeds give pictures the encoder cannot confuse.</summary>
    public static RgbImage Noise(int width, int height, int seed)
    {
        var pixels = new byte[3 * width * height];
        new Random(seed).NextBytes(pixels);
        return new RgbImage(width, height, pixels);
    }

    /// <summary><paramref name="image" /> as an RGB PNG file's bytes.</summary>
    public static byte[] Png(RgbImage image)
    {
        var rows = new byte[image.Height][];
        for (var y = 0; y < image.Height; y++)
        {
            rows[y] = image.Pixels.AsSpan(3 * y * image.Width, 3 * image.Width).ToArray();
        }

        return ImageFiles.Png(image.Width, image.Height, ImageFiles.Rgb, rows);
    }

    /// <summary><paramref name="image" /> as a 24-bit BMP file's bytes.</summary>
    public static byte[] Bmp(RgbImage image) => ImageFiles.Bmp(image.Width, image.Height, image.Pixels);

    /// <summary>Pixtral's patch grid (rows, columns) for a <paramref name="width" /> × <paramref name="height" /> picture.</summary>
    public static (int Rows, int Columns) PixtralGrid(int width, int height)
    {
        const int LongestEdge = 1024, Patch = 16;
        double ratio = Math.Max(height / (double)LongestEdge, width / (double)LongestEdge);
        if (ratio > 1)
        {
            height = (int)Math.Floor(height / ratio);
            width = (int)Math.Floor(width / ratio);
        }

        return (((height - 1) / Patch) + 1, ((width - 1) / Patch) + 1);
    }

    /// <summary>Qwen2-VL's merged-token grid (rows, columns) for a <paramref name="width" /> × <paramref name="height" /> picture.</summary>
    public static (int Rows, int Columns) Qwen2VlGrid(int width, int height)
    {
        const int Factor = 28, MinPixels = 56 * 56, MaxPixels = 28 * 28 * 16384;

        // Python's round() rounds halves to even, as Math.Round does by default.
        var h = Math.Max(Factor, (int)Math.Round(height / (double)Factor) * Factor);
        var w = Math.Max(Factor, (int)Math.Round(width / (double)Factor) * Factor);
        if ((long)h * w > MaxPixels)
        {
            var beta = Math.Sqrt(height * (double)width / MaxPixels);
            h = Math.Max(Factor, (int)Math.Floor(height / beta / Factor) * Factor);
            w = Math.Max(Factor, (int)Math.Floor(width / beta / Factor) * Factor);
        }
        else if ((long)h * w < MinPixels)
        {
            var beta = Math.Sqrt(MinPixels / (height * (double)width));
            h = (int)Math.Ceiling(height * beta / Factor) * Factor;
            w = (int)Math.Ceiling(width * beta / Factor) * Factor;
        }

        return (h / Factor, w / Factor);
    }

    /// <summary>
    /// <paramref name="ids" /> with the k-th image placeholder replaced by the tokens of the k-th picture:
    /// Pixtral's one [IMG] by rows of [IMG] each ended by [IMG_BREAK], the last by [IMG_END]; Qwen2-VL's
    /// &lt;|image_pad|&gt; (between &lt;|vision_start|&gt; and &lt;|vision_end|&gt;, which stay) by one pad per merged token.
    /// </summary>
    public static int[] Expand(SyntheticArchitecture architecture, Tokenizer tokenizer, int[] ids, IReadOnlyList<RgbImage> images)
    {
        var pixtral = architecture == SyntheticArchitecture.Pixtral;
        var placeholder = Id(tokenizer, pixtral ? "[IMG]" : "<|image_pad|>");
        var expanded = new List<int>();
        var next = 0;
        foreach (var id in ids)
        {
            if (id != placeholder)
            {
                expanded.Add(id);
                continue;
            }

            var image = images[next++];
            if (pixtral)
            {
                var (rows, columns) = PixtralGrid(image.Width, image.Height);
                for (var row = 0; row < rows; row++)
                {
                    expanded.AddRange(Enumerable.Repeat(placeholder, columns));
                    expanded.Add(Id(tokenizer, row == rows - 1 ? "[IMG_END]" : "[IMG_BREAK]"));
                }
            }
            else
            {
                var (rows, columns) = Qwen2VlGrid(image.Width, image.Height);
                expanded.AddRange(Enumerable.Repeat(placeholder, rows * columns));
            }
        }

        Assert.That(next, Is.EqualTo(images.Count), "one placeholder per image in the unexpanded prompt");
        return [.. expanded];
    }

    /// <summary>
    /// The chat template's rendering of one user turn showing <paramref name="imageCount" /> images before
    /// <paramref name="text" />, written out by hand from the checkpoints' templates (Pixtral's [INST] turn after
    /// &lt;s&gt;; Qwen2-VL's ChatML with its default system prompt).
    /// </summary>
    public static string RenderedUserTurn(SyntheticArchitecture architecture, string text, int imageCount) => architecture == SyntheticArchitecture.Pixtral
        ? "<s>[INST]" + string.Concat(Enumerable.Repeat("[IMG]", imageCount)) + text + "[/INST]"
        : "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n"
            + string.Concat(Enumerable.Repeat("<|vision_start|><|image_pad|><|vision_end|>", imageCount)) + text + "<|im_end|>\n<|im_start|>assistant\n";

    /// <summary>A raw prompt (encoded with the tokenizer's special tokens) equal to <see cref="RenderedUserTurn" />: Pixtral's BOS is added by the encoding.</summary>
    public static string RawUserTurn(SyntheticArchitecture architecture, string text, int imageCount)
    {
        var rendered = RenderedUserTurn(architecture, text, imageCount);
        return architecture == SyntheticArchitecture.Pixtral ? rendered["<s>".Length..] : rendered;
    }

    /// <summary>The placeholder a raw prompt writes for one image.</summary>
    public static string Placeholder(SyntheticArchitecture architecture) =>
        architecture == SyntheticArchitecture.Pixtral ? "[IMG]" : "<|vision_start|><|image_pad|><|vision_end|>";

    /// <summary>The id of a token the tokenizer must have.</summary>
    public static int Id(Tokenizer tokenizer, string token) =>
        tokenizer.TokenToId(token) ?? throw new InvalidOperationException($"the tokenizer has no {token}");
}
