using System.Globalization;
using Qrt.Runtime.Vision;
using Qrt.Runtime.Vision.Images;
using Qrt.Runtime.Vision.Preprocessing;

namespace Qrt.Runtime.Tests.Goldens;

/// <summary>
/// Qrt's image path against transformers' processors, through the processor goldens: decoding against Pillow, and
/// preprocessing (Pillow-exact resizing, rescaling, normalisation, patch order) against the Pillow backend bit for
/// bit, and against the torchvision backend within the one level its resizing may differ by.
/// </summary>
[TestFixture]
internal sealed class VisionGoldenTests
{
    /// <summary>Every level of one channel after rescaling and normalising is 1 / (255·std) apart; the smallest std is CLIP's green.</summary>
    private static readonly double OneLevel = 1.0 / (255 * PreprocessorConfig.ClipStd.Min());

    private static IEnumerable<TestCaseData> Architectures() =>
        VisionGolden.Names().Select(name => new TestCaseData(name).SetArgDisplayNames(name));

    [TestCaseSource(nameof(Architectures))]
    public void Png_DecodesToPillowsPixels_Exactly(string architecture)
    {
        var golden = VisionGolden.Load(architecture);
        var index = IndexOf(golden, ".png");
        var decoded = ImageDecoder.Decode(golden.ImageFiles[index]);
        var expected = golden.Decoded(index);
        Assert.That((decoded.Width, decoded.Height), Is.EqualTo((expected.Width, expected.Height)));
        Assert.That(decoded.Pixels, Is.EqualTo(expected.Pixels), "an RGBA PNG: transformers' convert_to_rgb drops the alpha channel");
    }

    /// <summary>
    /// Qrt decodes JPEG with StbImageSharp, Pillow with libjpeg-turbo. The JPEG standard fixes the bitstream, not the
    /// decoder's arithmetic: the inverse DCT need only meet the IEEE 1180 accuracy (a peak error of 1 per sample), and
    /// the colour conversion and chroma upsampling round on their own, so two conforming decoders may differ by up to
    /// two levels per channel. (Measured on this 4:2:0 image: 8% of the bytes differ, none by more than 2.) The model
    /// goldens therefore feed Pillow's decoded pixels to both sides, and this bound is what a JPEG adds on top.
    /// </summary>
    [TestCaseSource(nameof(Architectures))]
    public void Jpeg_DecodesWithinTwoLevelsOfPillow(string architecture)
    {
        var golden = VisionGolden.Load(architecture);
        var index = IndexOf(golden, ".jpg");
        var decoded = ImageDecoder.Decode(golden.ImageFiles[index]);
        var expected = golden.Decoded(index);
        Assert.That((decoded.Width, decoded.Height), Is.EqualTo((expected.Width, expected.Height)));
        var worst = decoded.Pixels.Zip(expected.Pixels, (a, b) => Math.Abs(a - b)).Max();
        Assert.That(worst, Is.LessThanOrEqualTo(2));
    }

    [TestCaseSource(nameof(Architectures))]
    public void Preprocessing_OfPillowsPixels_GivesThePillowBackendsPixelValues_BitForBit(string architecture)
    {
        var golden = VisionGolden.Load(architecture);
        var (actual, _) = Preprocess(golden);
        var expected = PillowPixelValues(golden, "pil");
        Assert.That(actual, Has.Length.EqualTo(expected.Length));
        var differing = Enumerable.Range(0, actual.Length).Where(i => BitConverter.SingleToInt32Bits(actual[i]) != BitConverter.SingleToInt32Bits(expected[i])).ToList();
        Assert.That(differing, Is.Empty, () => string.Create(CultureInfo.InvariantCulture,
            $"{differing.Count} of {actual.Length} values differ; first at {differing[0]}: {actual[differing[0]]:G9} vs {expected[differing[0]]:G9}"));
    }

    /// <summary>
    /// transformers 5 picks its torchvision backend by default when torchvision is installed. Its antialiased bicubic
    /// resizing uses Pillow's filter and two passes, each rounded to bytes, but quantises the filter's weights on its
    /// own, so each pass may land one level away from Pillow's: two levels in all, 2/(255·std) ≈ 0.030 after
    /// normalisation, plus the float rounding of the normalisation (under 10⁻⁶). That holds where both run the
    /// horizontal pass first, as for these images; where Pillow runs the vertical pass first (the height shrinks by
    /// more than twice as many pixels as the width) the two orders round different intermediate images and differ by
    /// up to 16 levels.
    /// </summary>
    [TestCaseSource(nameof(Architectures))]
    public void Preprocessing_IsWithinTwoLevelsOfTheTorchvisionBackend(string architecture)
    {
        var golden = VisionGolden.Load(architecture);
        var (actual, sizes) = Preprocess(golden);
        var images = golden.DecodedImages();
        for (var i = 0; i < images.Count; i++)
        {
            var (height, width) = architecture == "pixtral" ? (sizes[i][0], sizes[i][1]) : (sizes[i][1] * 14, sizes[i][2] * 14);
            Assert.That(BicubicResizer.VerticalPassFirst(images[i].Width, images[i].Height, width, height), Is.False, "the bound holds for horizontal-first resizes");
        }

        var expected = PillowPixelValues(golden, "torchvision");
        var worst = Enumerable.Range(0, actual.Length).Max(i => Math.Abs(actual[i] - (double)expected[i]));
        Assert.That(worst, Is.LessThanOrEqualTo((2 * OneLevel) + 1e-6));
    }

    [TestCaseSource(nameof(Architectures))]
    public void Preprocessing_GivesTheProcessorsImageSizesOrGrid(string architecture)
    {
        var golden = VisionGolden.Load(architecture);
        var (_, sizes) = Preprocess(golden);
        var key = architecture == "pixtral" ? "image_sizes" : "image_grid_thw";
        var expected = golden.Manifest.GetProperty(key).EnumerateArray().Select(a => a.EnumerateArray().Select(v => v.GetInt32()).ToArray()).ToList();
        Assert.That(sizes, Is.EqualTo(expected));
    }

    private static int IndexOf(VisionGolden golden, string extension) =>
        golden.ImageFiles.Select((file, i) => (file, i)).Single(pair => pair.file.EndsWith(extension, StringComparison.Ordinal)).i;

    /// <summary>
    /// Qrt's pixel values of every image in the processor's layout (Pixtral: each image's patch rows; Qwen2-VL: the
    /// patch rows of all images, one after the other), and each image's size ([height, width]) or grid ([t, h, w]).
    /// </summary>
    private static (float[] Values, List<int[]> Sizes) Preprocess(VisionGolden golden)
    {
        var config = PreprocessorConfig.Read(Path.Combine(CheckpointOf(golden), PreprocessorConfig.FileName));
        var values = new List<float>();
        var sizes = new List<int[]>();
        foreach (var image in golden.DecodedImages())
        {
            if (golden.Architecture == "pixtral")
            {
                var result = new PixtralImagePreprocessor(config, 16).Preprocess(image);
                values.AddRange(result.Patches.Values);
                sizes.Add([result.Size.Height, result.Size.Width]);
            }
            else
            {
                var result = new Qwen2VlImagePreprocessor(config).Preprocess(image);
                values.AddRange(result.Patches.Values);
                sizes.Add([result.Grid.Temporal, result.Grid.Height, result.Grid.Width]);
            }
        }

        return (values.ToArray(), sizes);
    }

    /// <summary>
    /// A backend's pixel values in Qrt's layout: Qwen2-VL's are already patch rows; Pixtral's [3, H, W] images are cut
    /// here into 16 × 16 patches, row-major, each patch channel first, then y, then x.
    /// </summary>
    private static float[] PillowPixelValues(VisionGolden golden, string backend)
    {
        if (golden.Architecture != "pixtral")
        {
            return golden.Tensors.Floats($"pixel_values.{backend}");
        }

        const int patch = 16;
        var values = new List<float>();
        for (var i = 0; i < golden.ImageFiles.Count; i++)
        {
            var shape = golden.Tensors.Shape($"pixel_values.{backend}.{i}");
            var chw = golden.Tensors.Floats($"pixel_values.{backend}.{i}");
            var (height, width) = (shape[1], shape[2]);
            for (var row = 0; row < height / patch; row++)
            {
                for (var column = 0; column < width / patch; column++)
                {
                    for (var channel = 0; channel < 3; channel++)
                    {
                        for (var y = 0; y < patch; y++)
                        {
                            values.AddRange(chw.AsSpan((channel * height * width) + (((row * patch) + y) * width) + (column * patch), patch).ToArray());
                        }
                    }
                }
            }
        }

        return values.ToArray();
    }

    private static string CheckpointOf(VisionGolden golden) =>
        GoldenCheckpoints.For(ModelGolden.Names().Select(ModelGolden.Load).First(model => model.Vision == golden.Architecture));
}
