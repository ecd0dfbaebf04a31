using Qrt.Runtime.Json;

namespace Qrt.Runtime.Vision;

/// <summary>
/// The settings of a model's preprocessor_config.json that image preprocessing needs, for the Pixtral and Qwen2-VL
/// image processors. Size keys are kept raw; the processor that owns them interprets them. Keys the file leaves out
/// take the defaults both processor classes share: every do_* flag true, BICUBIC, 1/255 and the OpenAI CLIP mean/std.
/// </summary>
/// <param name="ImageMean">Per-channel mean (R, G, B).</param>
/// <param name="ImageStd">Per-channel standard deviation (R, G, B).</param>
/// <param name="RescaleFactor">Multiplier applied to byte values before normalising (1/255).</param>
/// <param name="DoConvertRgb">Whether images are converted to RGB first.</param>
/// <param name="DoResize">Whether images are resized.</param>
/// <param name="DoRescale">Whether values are multiplied by <paramref name="RescaleFactor" />.</param>
/// <param name="DoNormalize">Whether (x − mean) / std is applied.</param>
/// <param name="Resample">PIL resampling filter id; only 3 (BICUBIC) is supported.</param>
/// <param name="LongestEdge">size.longest_edge (Pixtral's cap; newer Qwen2-VL files put max_pixels here).</param>
/// <param name="ShortestEdge">size.shortest_edge (newer Qwen2-VL files put min_pixels here).</param>
/// <param name="PatchHeight">patch_size.height, or patch_size when it is a single number.</param>
/// <param name="PatchWidth">patch_size.width, or patch_size when it is a single number.</param>
/// <param name="MinPixels">min_pixels (Qwen2-VL).</param>
/// <param name="MaxPixels">max_pixels (Qwen2-VL).</param>
/// <param name="TemporalPatchSize">temporal_patch_size (Qwen2-VL).</param>
/// <param name="MergeSize">merge_size (Qwen2-VL).</param>
/// <param name="ImageProcessorType">image_processor_type, e.g. "PixtralImageProcessor".</param>
internal sealed record PreprocessorConfig(
    IReadOnlyList<double> ImageMean,
    IReadOnlyList<double> ImageStd,
    double RescaleFactor,
    bool DoConvertRgb,
    bool DoResize,
    bool DoRescale,
    bool DoNormalize,
    int Resample,
    int? LongestEdge,
    int? ShortestEdge,
    int? PatchHeight,
    int? PatchWidth,
    int? MinPixels,
    int? MaxPixels,
    int? TemporalPatchSize,
    int? MergeSize,
    string? ImageProcessorType)
{
    /// <summary>The file name inside a model directory.</summary>
    public const string FileName = "preprocessor_config.json";

    /// <summary>PIL's Resampling.BICUBIC, the only filter implemented.</summary>
    public const int Bicubic = 3;

    /// <summary>OpenAI CLIP's mean, the default of both processor classes.</summary>
    public static readonly IReadOnlyList<double> ClipMean = [0.48145466, 0.4578275, 0.40821073];

    /// <summary>OpenAI CLIP's standard deviation, the default of both processor classes.</summary>
    public static readonly IReadOnlyList<double> ClipStd = [0.26862954, 0.26130258, 0.27577711];

    /// <summary>Reads and validates <paramref name="path" />.</summary>
    /// <exception cref="ModelFileException">The file is unreadable, not JSON, or a key has the wrong type or an unsupported value.</exception>
    public static PreprocessorConfig Read(string path) => Parse(new JsonSection(path, string.Empty, JsonFile.ReadObject(path)));

    /// <summary>Validates the top-level object <paramref name="root" />.</summary>
    public static PreprocessorConfig Parse(JsonSection root)
    {
        var resample = root.OptionalInt("resample", Bicubic)!.Value;
        if (resample != Bicubic)
        {
            throw root.Error("resample", $"is {resample}; only {Bicubic} (BICUBIC) is supported");
        }

        var rescale = root.OptionalDouble("rescale_factor", 1.0 / 255.0)!.Value;
        if (!(rescale > 0) || double.IsInfinity(rescale))
        {
            throw root.Error("rescale_factor", $"must be a positive number; found {rescale}");
        }

        var size = root.Property("size");
        int? longestEdge = null, shortestEdge = null;
        if (!size.IsNull)
        {
            longestEdge = PositiveOrNull(size, "longest_edge");
            shortestEdge = PositiveOrNull(size, "shortest_edge");
        }

        var (patchHeight, patchWidth) = ReadPatchSize(root);
        return new PreprocessorConfig(
            ImageMean: ReadTriple(root, "image_mean", ClipMean, requirePositive: false),
            ImageStd: ReadTriple(root, "image_std", ClipStd, requirePositive: true),
            RescaleFactor: rescale,
            DoConvertRgb: root.OptionalBool("do_convert_rgb", true),
            DoResize: root.OptionalBool("do_resize", true),
            DoRescale: root.OptionalBool("do_rescale", true),
            DoNormalize: root.OptionalBool("do_normalize", true),
            Resample: resample,
            LongestEdge: longestEdge,
            ShortestEdge: shortestEdge,
            PatchHeight: patchHeight,
            PatchWidth: patchWidth,
            MinPixels: PositiveOrNull(root, "min_pixels"),
            MaxPixels: PositiveOrNull(root, "max_pixels"),
            TemporalPatchSize: PositiveOrNull(root, "temporal_patch_size"),
            MergeSize: PositiveOrNull(root, "merge_size"),
            ImageProcessorType: root.OptionalString("image_processor_type"));
    }

    private static (int? Height, int? Width) ReadPatchSize(JsonSection root)
    {
        var patch = root.Property("patch_size");
        if (patch.IsNull)
        {
            return (null, null);
        }

        if (patch.Kind == System.Text.Json.JsonValueKind.Number)
        {
            var side = PositiveOrNull(root, "patch_size");
            return (side, side);
        }

        return (PositiveOrNull(patch, "height") ?? throw patch.Error("height", "is missing"),
                PositiveOrNull(patch, "width") ?? throw patch.Error("width", "is missing"));
    }

    private static int? PositiveOrNull(JsonSection parent, string name)
    {
        var value = parent.OptionalInt(name);
        return value is <= 0 ? throw parent.Error(name, $"must be a positive integer; found {value}") : value;
    }

    private static double[] ReadTriple(JsonSection root, string name, IReadOnlyList<double> fallback, bool requirePositive)
    {
        var property = root.Property(name);
        if (property.IsNull)
        {
            return [.. fallback];
        }

        var values = property.Kind == System.Text.Json.JsonValueKind.Number
            ? Enumerable.Repeat(property.AsDouble(), 3).ToArray()
            : property.Items().Select(item => item.AsDouble()).ToArray();
        if (values.Length != 3)
        {
            throw property.Error($"must hold 3 numbers (R, G, B); found {values.Length}");
        }

        if (requirePositive && values.Any(value => !(value > 0)))
        {
            throw property.Error($"must be positive; found [{string.Join(", ", values)}]");
        }

        return values;
    }
}
