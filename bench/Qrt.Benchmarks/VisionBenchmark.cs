using System.Diagnostics;
using System.Globalization;
using Qrt.Runtime;
using Qrt.Runtime.Layers;
using Qrt.Runtime.Models.Decoder;
using Qrt.Runtime.Models.Vision;
using Qrt.Runtime.Vision;
using Qrt.Runtime.Vision.Preprocessing;
using Qrt.Runtime.Vision.Processing;

namespace Qrt.Benchmarks;

/// <summary>
/// CPU time per image of the vision path at the seed profiles' image sizes: preprocessing (resize, normalise,
/// patches) for Pixtral and Qwen2-VL, then each vision tower with random BF16 weights at the real shapes
/// (Pixtral-12B's tower and projector to 5120; Qwen2-VL-72B's tower and merger to 8192). Speed does not depend on
/// the weight values. Each measurement runs once to warm up, then <c>repeats</c> times; the median is reported,
/// as wall-clock seconds and as process CPU seconds (all threads). An encoder repeat count of 0 times a single
/// run without warm-up; encoder inputs over the patch limit are skipped; a smaller Qwen2-VL block count builds a
/// shallower tower of the same widths, to time a few blocks of an input too large to run whole.
/// Usage: vision [repeats (3)] [encoder repeats (1)] [largest encoder input in patches (4096)]
///               [towers (pixtral,qwen2-vl)] [Qwen2-VL blocks (32)]
/// </summary>
internal static class VisionBenchmark
{
    private static readonly (int Width, int Height)[] Sizes = [(1680, 2240), (640, 480), (480, 360)];

    public static int Run(string[] args)
    {
        var repeats = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 3;
        var encoderRepeats = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1;
        var patchLimit = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 4096;
        var towers = args.Length > 3 ? args[3].Split(',') : ["pixtral", "qwen2-vl"];
        var qwenBlocks = args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : Qwen2VlTower.Depth;
        var pictures = Sizes.Select(size => Picture(size.Width, size.Height)).ToArray();

        var pixtral = new PixtralImagePreprocessor(
            DefaultConfig() with { LongestEdge = 1024, PatchHeight = 16, PatchWidth = 16 }, patchSize: 16);
        var qwen = new Qwen2VlImagePreprocessor(DefaultConfig() with { MinPixels = 3136, MaxPixels = 12845056 });
        Console.WriteLine("step\tmodel\timage\tencoder input\twall s (median)\tCPU s (median)\truns");
        foreach (var picture in pictures)
        {
            var image = Name(picture);
            var p = pixtral.Preprocess(picture);
            Report("preprocess", "pixtral", image, $"{p.Size.Width}x{p.Size.Height}, {p.Grid.Count} patches, {p.TokenCount} tokens", repeats, () => pixtral.Preprocess(picture));
            var q = qwen.Preprocess(picture);
            Report("preprocess", "qwen2-vl", image, $"{q.Size.Width}x{q.Size.Height}, {q.Grid.PatchCount} patches, {q.TokenCount} tokens", repeats, () => qwen.Preprocess(picture));
        }

        using var stream = new QrtStream(Device.Cpu);
        // Building a tower takes seconds and gigabytes, so only when one of its inputs is within the limit.
        if (towers.Contains("pixtral") && pictures.Any(picture => pixtral.Preprocess(picture).Patches.Count <= patchLimit))
        {
            using var tower = PixtralTower.Create();
            foreach (var picture in pictures)
            {
                var input = pixtral.Preprocess(picture);
                using var patches = QrtTensor.FromData<float>(input.Patches.Values, DType.F32, [input.Patches.Count, input.Patches.RowLength]);
                Encode("pixtral-12b tower + projector", Name(picture), input.Patches.Count, patchLimit, encoderRepeats, () =>
                {
                    using var features = tower.Encoder.Forward(stream, patches, [input.Grid]);
                    using var projected = tower.Projector.Forward(stream, features);
                });
            }
        }

        if (towers.Contains("qwen2-vl") && pictures.Any(picture => qwen.Preprocess(picture).Patches.Count <= patchLimit))
        {
            using var tower = Qwen2VlTower.Create(qwenBlocks);
            var label = qwenBlocks == Qwen2VlTower.Depth ? "qwen2-vl-72b tower + merger" : Invariant($"qwen2-vl-72b tower ({qwenBlocks} of {Qwen2VlTower.Depth} blocks) + merger");
            foreach (var picture in pictures)
            {
                var input = qwen.Preprocess(picture);
                using var patches = QrtTensor.FromData<float>(input.Patches.Values, DType.F32, [input.Patches.Count, input.Patches.RowLength]);
                Encode(label, Name(picture), input.Patches.Count, patchLimit, encoderRepeats, () =>
                {
                    using var merged = tower.Forward(stream, patches, [input.Grid]);
                });
            }
        }

        return 0;
    }

    private static void Encode(string model, string image, int patches, int patchLimit, int repeats, Action run)
    {
        if (patches > patchLimit)
        {
            Console.WriteLine(Invariant($"encode\t{model}\t{image}\t{patches} patches\tskipped (over {patchLimit} patches)\t\t0"));
            return;
        }

        Report("encode", model, image, Invariant($"{patches} patches"), repeats, run);
    }

    private static void Report(string step, string model, string image, string input, int repeats, Action run)
    {
        var runs = repeats > 0 ? $"1 warm-up + {repeats}" : "1, no warm-up";
        if (repeats > 0)
        {
            run();
        }

        repeats = Math.Max(repeats, 1);
        var wall = new List<double>();
        var cpu = new List<double>();
        var process = Process.GetCurrentProcess();
        for (var i = 0; i < repeats; i++)
        {
            process.Refresh();
            var cpuBefore = process.TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            run();
            wall.Add(clock.Elapsed.TotalSeconds);
            process.Refresh();
            cpu.Add((process.TotalProcessorTime - cpuBefore).TotalSeconds);
        }

        Console.WriteLine(Invariant($"{step}\t{model}\t{image}\t{input}\t{Median(wall):F3}\t{Median(cpu):F3}\t{runs}"));
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string Name(RgbImage picture) => Invariant($"{picture.Width}x{picture.Height}");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>The processors' shared defaults (CLIP mean and std, 1/255, every step on).</summary>
    private static PreprocessorConfig DefaultConfig() => new(
        PreprocessorConfig.ClipMean, PreprocessorConfig.ClipStd, 1.0 / 255.0, DoConvertRgb: true, DoResize: true, DoRescale: true,
        DoNormalize: true, PreprocessorConfig.Bicubic, LongestEdge: null, ShortestEdge: null, PatchHeight: null, PatchWidth: null,
        MinPixels: null, MaxPixels: null, TemporalPatchSize: null, MergeSize: null, ImageProcessorType: null);

    /// <summary>A smooth diagonal gradient plus seeded noise, like a photo's mix of flat areas and detail.</summary>
    private static RgbImage Picture(int width, int height)
    {
        var random = new Random(width + height);
        var pixels = new byte[3 * width * height];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                for (var channel = 0; channel < 3; channel++)
                {
                    var gradient = (255.0 * (x + y + (channel * 37)) / (width + height + 111)) + random.Next(-24, 25);
                    pixels[(3 * ((y * width) + x)) + channel] = (byte)Math.Clamp((int)gradient, 0, 255);
                }
            }
        }

        return new RgbImage(width, height, pixels);
    }

    /// <summary>Pixtral-12B's vision tower (hidden 1024, 24 blocks of 16 heads, MLP 4096, patch 16) and its projector to 5120.</summary>
    private sealed class PixtralTower(PixtralVisionEncoder encoder, LlavaProjector projector) : IDisposable
    {
        public PixtralVisionEncoder Encoder { get; } = encoder;

        public LlavaProjector Projector { get; } = projector;

        public static PixtralTower Create()
        {
            const int hidden = 1024, intermediate = 4096, layers = 24, heads = 16, patch = 16, text = 5120;
            var random = new RandomBf16(12);
            var config = new PixtralVisionConfig(hidden, intermediate, layers, heads, hidden / heads, patch, ImageSize: 1024, RopeTheta: 10000.0);
            var blocks = Enumerable.Range(0, layers).Select(_ => new PixtralVisionLayer(
                random.Norm(hidden),
                random.Linear(hidden, hidden), random.Linear(hidden, hidden), random.Linear(hidden, hidden), random.Linear(hidden, hidden),
                random.Norm(hidden),
                new GatedMlp(random.Linear(intermediate, hidden), random.Linear(intermediate, hidden), random.Linear(hidden, intermediate)),
                heads, hidden / heads)).ToArray();
            var encoder = new PixtralVisionEncoder(config, random.Linear(hidden, config.PatchFeatures), random.Norm(hidden), blocks);
            var projector = new LlavaProjector(random.Linear(text, hidden, bias: true), random.Linear(text, text, bias: true));
            return new PixtralTower(encoder, projector);
        }

        public void Dispose()
        {
            Encoder.Dispose();
            Projector.Dispose();
        }
    }

    /// <summary>Qwen2-VL-72B's vision tower (embed 1280, 32 blocks of 16 heads, mlp_ratio 4, patch 14) and merger to 8192.</summary>
    private static class Qwen2VlTower
    {
        public const int Depth = 32;

        public static Qwen2VlVisionEncoder Create(int depth)
        {
            const int embed = 1280, heads = 16, mlp = 4 * embed, hidden = 8192, merge = 2;
            var random = new RandomBf16(72);
            var config = new Qwen2VlVisionConfig(depth, embed, hidden, Activation.QuickGelu, mlp, heads, embed / heads,
                InChannels: 3, PatchSize: 14, SpatialMergeSize: merge, TemporalPatchSize: 2);
            var blocks = Enumerable.Range(0, depth).Select(_ => new Qwen2VlVisionBlock(
                random.LayerNorm(embed), random.Linear(3 * embed, embed, bias: true), random.Linear(embed, embed, bias: true),
                random.LayerNorm(embed), random.Linear(mlp, embed, bias: true), random.Linear(embed, mlp, bias: true),
                Activation.QuickGelu, heads, embed / heads)).ToArray();
            var merged = embed * merge * merge;
            var merger = new Qwen2VlPatchMerger(
                random.LayerNorm(embed), random.Linear(merged, merged, bias: true), random.Linear(hidden, merged, bias: true), merge * merge);
            return new Qwen2VlVisionEncoder(config, random.Linear(embed, config.PatchFeatures), blocks, merger);
        }
    }

    /// <summary>BF16 tensors of seeded uniform values: weights ±1/√fan_in, norm scales near 1, small biases.</summary>
    private sealed class RandomBf16(int seed)
    {
        private ulong _state = (ulong)seed * 0x9E3779B97F4A7C15UL + 1;

        public DenseLinear Linear(int outFeatures, int inFeatures, bool bias = false) => new(
            Tensor(outFeatures * inFeatures, -1 / MathF.Sqrt(inFeatures), 1 / MathF.Sqrt(inFeatures), [outFeatures, inFeatures]),
            bias ? Tensor(outFeatures, -0.1f, 0.1f, [outFeatures]) : null);

        public QrtTensor Norm(int width) => Tensor(width, 0.5f, 1.5f, [width]);

        public Qwen2VlLayerNorm LayerNorm(int width) => new(Norm(width), Tensor(width, -0.1f, 0.1f, [width]));

        private QrtTensor Tensor(int count, float low, float high, long[] shape)
        {
            var bits = new ushort[count];
            for (var i = 0; i < count; i++)
            {
                // xorshift64*: fast enough for a billion values; the top 24 bits make a uniform float in [0, 1).
                _state ^= _state >> 12;
                _state ^= _state << 25;
                _state ^= _state >> 27;
                var unit = ((_state * 0x2545F4914F6CDD1DUL) >> 40) / (float)(1 << 24);
                var value = low + ((high - low) * unit);
                bits[i] = (ushort)(BitConverter.SingleToUInt32Bits(value) >> 16);
            }

            return QrtTensor.FromData<ushort>(bits, DType.BF16, shape);
        }
    }
}
