using System.Diagnostics;
using System.Globalization;
using Qrt.Runtime;

namespace Qrt.Benchmarks;

/// <summary>
/// End-to-end CPU generation of one model directory: load time, prefill and decode tokens/s of a fixed prompt
/// with a fixed number of greedy output tokens (end-of-sequence ignored, as vLLM's ignore_eos), and the process's
/// peak resident memory. One model per process, so the peak belongs to that model alone. Repeats the generation
/// and reports the median, after one warm-up run.
/// Usage: decode MODEL_DIR [prompt tokens (64)] [output tokens (32)] [repeats (3)]
/// </summary>
internal static class DecodeBenchmark
{
    public static int Run(string[] args)
    {
        if (args.Length < 1)
        {
            Console.Error.WriteLine("usage: decode MODEL_DIR [prompt tokens] [output tokens] [repeats]");
            return 2;
        }

        var directory = args[0];
        var promptTokens = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 64;
        var outputTokens = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 32;
        var repeats = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 3;

        var clock = Stopwatch.StartNew();
        using var model = QrtModel.Load(directory, new QrtModelOptions { MaxContextLength = promptTokens + outputTokens + 8 });
        var loadSeconds = clock.Elapsed.TotalSeconds;
        var prompt = PromptOf(model, promptTokens);
        var options = new GenerationOptions { MaxTokens = outputTokens, Temperature = 0, IgnoreEndOfSequence = true };

        model.Generate(prompt, options);
        var runs = Enumerable.Range(0, repeats).Select(_ => model.Generate(prompt, options).Timings).ToList();
        var prefill = Median(runs.Select(t => t.PrefillTokensPerSecond));
        var decode = Median(runs.Select(t => t.DecodeTokensPerSecond));
        var summary = model.Summary;
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{Path.GetFileName(Path.TrimEndingDirectorySeparator(directory))}\t{summary.Architecture}\t{summary.ParameterCount / 1e6:F0}M params\t" +
            $"weights {summary.BytesInMemory / 1048576.0:F0} MiB\tload {loadSeconds:F2} s\tprefill {runs[0].PromptTokens} tok: {prefill:F1} tok/s\t" +
            $"decode {outputTokens} tok: {decode:F2} tok/s\tpeak RSS {PeakResidentMebibytes():F0} MiB"));
        return 0;
    }

    /// <summary>Text whose encoding has exactly <paramref name="tokens"/> ids, built by decoding a fixed cycle of ids.</summary>
    private static string PromptOf(QrtModel model, int tokens)
    {
        // Sentences of ordinary words keep the encoding stable; trim or extend until the count is exact.
        const string sentence = "The quick brown fox jumps over the lazy dog while the river runs past the old mill. ";
        var text = string.Concat(Enumerable.Repeat(sentence, tokens));
        var ids = model.Tokenizer.Encode(text, addSpecialTokens: false);
        return model.Tokenizer.Decode(ids.AsSpan(0, Math.Min(tokens, ids.Length)));
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    /// <summary>VmHWM of /proc/self/status on Linux (the peak resident set); the managed peak working set elsewhere.</summary>
    private static double PeakResidentMebibytes()
    {
        const string statusFile = "/proc/self/status";
        if (File.Exists(statusFile))
        {
            foreach (var line in File.ReadLines(statusFile))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    var kib = long.Parse(line["VmHWM:".Length..].Replace("kB", string.Empty, StringComparison.Ordinal).Trim(), CultureInfo.InvariantCulture);
                    return kib / 1024.0;
                }
            }
        }

        return Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0;
    }
}
