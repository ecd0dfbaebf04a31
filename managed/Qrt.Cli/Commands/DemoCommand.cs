using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Qrt.Cli.Demo;
using Qrt.Runtime;
using Qrt.Runtime.Layers;

namespace Qrt.Cli.Commands;

/// <summary>
/// <c>qrt demo</c>: an end-to-end run of libqrt on the CPU with random weights — every linear-layer scheme
/// against FP32, then greedy generation with a small decoder whose projections use those schemes.
/// </summary>
internal static class DemoCommand
{
    private const int SchemeRows = 512;
    private const int SchemeCols = 256;
    private const int SchemeTokens = 12;

    public static Command Create()
    {
        var tokens = new Option<int>("--tokens") { Description = "Tokens to generate.", DefaultValueFactory = _ => 16 };
        var promptTokens = new Option<int>("--prompt-tokens") { Description = "Length of the random prompt.", DefaultValueFactory = _ => 12 };
        var seed = new Option<int>("--seed") { Description = "Seed for weights and prompt.", DefaultValueFactory = _ => 7 };
        var threads = new Option<int>("--threads") { Description = "CPU threads (0: one per hardware thread).", DefaultValueFactory = _ => 0 };
        var command = new Command("demo", "Run every kernel family end to end on the CPU with random weights.") { tokens, promptTokens, seed, threads };
        command.SetAction(result => CommandErrors.Run(() => Run(result.GetValue(tokens), result.GetValue(promptTokens), result.GetValue(seed), result.GetValue(threads))));
        return command;
    }

    private static int Run(int tokens, int promptTokens, int seed, int threads)
    {
        var capacity = new DecoderShape().MaxTokens;
        UsageException.ThrowIf(tokens < 1 || promptTokens < 1, "--tokens and --prompt-tokens must be at least 1.");
        UsageException.ThrowIf(tokens + promptTokens > capacity, $"--tokens plus --prompt-tokens must be at most {capacity}.");
        UsageException.ThrowIf(threads < 0, "--threads must not be negative.");
        Devices.CpuThreadCount = threads;
        var device = Device.Cpu;
        Console.WriteLine(Invariant($"libqrt on {Devices.GetInfo(device).Name}, {Devices.CpuThreadCount} thread(s)"));
        using var stream = new QrtStream(device);
        var random = new DemoRandom(seed);
        CompareSchemes(stream, random);
        Generate(stream, random, tokens, promptTokens);
        return 0;
    }

    /// <summary>Each scheme's output against the FP32 layer on the same weights and input.</summary>
    private static void CompareSchemes(QrtStream stream, DemoRandom random)
    {
        Console.WriteLine();
        Console.WriteLine(Invariant($"Linear layers [{SchemeRows} x {SchemeCols}] on {SchemeTokens} tokens, against FP32 weights:"));
        Console.WriteLine(Invariant($"  {"scheme",-18} {"relative error",14} {"time",10}"));
        var weights = random.LinearWeights(SchemeRows, SchemeCols);
        using var x = QrtTensor.FromFloats(random.Normal(SchemeTokens * SchemeCols, 1.0), DType.F32, [SchemeTokens, SchemeCols], stream.Device);
        float[]? reference = null;
        foreach (var scheme in LinearSchemes.Names)
        {
            using var layer = LinearSchemes.Create(scheme, weights, SchemeRows, SchemeCols, stream.Device);
            using var y = QrtTensor.Empty(DType.F32, [SchemeTokens, SchemeRows], stream.Device);
            var milliseconds = MedianMilliseconds(() => layer.Forward(stream, x, y));
            var output = y.ToFloats();
            reference ??= output;
            Console.WriteLine(Invariant($"  {layer.Scheme,-18} {RelativeError(output, reference),14:0.0e+00} {milliseconds,7:F3} ms"));
        }
    }

    private static void Generate(QrtStream stream, DemoRandom random, int tokens, int promptTokens)
    {
        var shape = new DecoderShape();
        using var model = new RandomDecoder(shape, random, stream.Device);
        Console.WriteLine();
        Console.WriteLine(Invariant(
            $"Random decoder: {shape.Layers} layers, hidden {shape.Hidden}, {shape.Heads} query / {shape.KeyValueHeads} key-value heads of {shape.HeadDim}, MLP {shape.Intermediate}, vocabulary {shape.Vocabulary}"));
        foreach (var (name, scheme) in model.Schemes)
        {
            Console.WriteLine(Invariant($"  {name,-20} {scheme}"));
        }

        var prompt = Enumerable.Range(0, promptTokens).Select(_ => random.Next(shape.Vocabulary)).ToArray();
        var clock = Stopwatch.StartNew();
        var (next, logProbability) = model.Forward(stream, prompt, 0);
        var prefill = clock.Elapsed.TotalMilliseconds;

        var generated = new List<int> { next };
        var logProbabilities = new List<float> { logProbability };
        clock.Restart();
        for (var position = promptTokens; generated.Count < tokens; position++)
        {
            (next, logProbability) = model.Forward(stream, [generated[^1]], position);
            generated.Add(next);
            logProbabilities.Add(logProbability);
        }

        var decode = clock.Elapsed.TotalMilliseconds;
        Console.WriteLine(Invariant($"Prompt ({promptTokens} tokens): {string.Join(' ', prompt)}"));
        Console.WriteLine(Invariant($"Greedy continuation: {string.Join(' ', generated)}"));
        Console.WriteLine(Invariant($"Mean log-probability {logProbabilities.Average():F3}; prefill {prefill:F1} ms; decode {decode / Math.Max(1, tokens - 1):F2} ms/token"));
    }

    private static double MedianMilliseconds(Action action)
    {
        action();
        var times = new double[5];
        for (var i = 0; i < times.Length; i++)
        {
            var clock = Stopwatch.StartNew();
            action();
            times[i] = clock.Elapsed.TotalMilliseconds;
        }

        Array.Sort(times);
        return times[times.Length / 2];
    }

    private static double RelativeError(float[] actual, float[] reference)
    {
        double error = 0, norm = 0;
        for (var i = 0; i < actual.Length; i++)
        {
            error += (actual[i] - (double)reference[i]) * (actual[i] - (double)reference[i]);
            norm += reference[i] * (double)reference[i];
        }

        return Math.Sqrt(error / norm);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
