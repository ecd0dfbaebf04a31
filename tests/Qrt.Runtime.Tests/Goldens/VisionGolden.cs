using System.Text.Json;
using Qrt.Runtime.Tests.Bindings;
using Qrt.Runtime.Vision;

namespace Qrt.Runtime.Tests.Goldens;

/// <summary>
/// The processor golden of one vision-language architecture (tests/goldens/vision/ARCH, written by
/// tests/reference/vision_inputs.py): the two image files, the RGB pixels Pillow decodes from them (after the
/// processor's convert_to_rgb), the expanded prompt, and the pixel values of transformers' Pillow and torchvision
/// image-processor backends.
/// </summary>
internal sealed class VisionGolden
{
    private VisionGolden(string architecture, JsonElement manifest, GoldenTensors tensors)
    {
        Architecture = architecture;
        Manifest = manifest;
        Tensors = tensors;
        ImageFiles = manifest.GetProperty("images").EnumerateArray()
            .Select(image => Path.Combine(ImagesDirectory, image.GetProperty("file").GetString()!))
            .ToArray();
    }

    /// <summary>tests/goldens/vision in the repository.</summary>
    public static string Root => Path.Combine(BindingsTestSupport.RepositoryRoot, "tests", "goldens", "vision");

    /// <summary>Where the image files are (both architectures share them).</summary>
    public static string ImagesDirectory => Path.Combine(Root, "images");

    /// <summary>"pixtral" or "qwen2-vl".</summary>
    public string Architecture { get; }

    public JsonElement Manifest { get; }

    public GoldenTensors Tensors { get; }

    /// <summary>The image files, in prompt order.</summary>
    public IReadOnlyList<string> ImageFiles { get; }

    /// <summary>The architectures that have a processor golden.</summary>
    public static IEnumerable<string> Names() =>
        Directory.Exists(Root)
            ? Directory.EnumerateDirectories(Root).Select(Path.GetFileName).Where(name => name != "images").Order(StringComparer.Ordinal)!
            : [];

    public static VisionGolden Load(string architecture)
    {
        var directory = Path.Combine(Root, architecture);
        using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(directory, "manifest.json")));
        return new VisionGolden(architecture, document.RootElement.Clone(), new GoldenTensors(Path.Combine(directory, "tensors.safetensors")));
    }

    /// <summary>Image <paramref name="index" /> as Pillow decoded it (what the processor resized).</summary>
    public RgbImage Decoded(int index)
    {
        var shape = Tensors.Shape($"decoded.{index}");
        return new RgbImage(shape[1], shape[0], Tensors.Bytes($"decoded.{index}"));
    }

    /// <summary>Every image as Pillow decoded it.</summary>
    public IReadOnlyList<RgbImage> DecodedImages() => Enumerable.Range(0, ImageFiles.Count).Select(Decoded).ToList();
}
