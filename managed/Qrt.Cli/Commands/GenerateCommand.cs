using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Qrt.Runtime;
using Qrt.Runtime.Text;
using Qrt.Runtime.Text.Templates;
using Qrt.Runtime.Vision.Images;

namespace Qrt.Cli.Commands;

/// <summary>
/// <c>qrt generate</c>: loads a model directory and answers one prompt — through the model's chat template unless
/// <c>--raw</c>, with the pictures of <c>--image</c> for a vision-language model — streaming the text to stdout and the timings to stderr, or with <c>--json</c> printing one object
/// with the ids, the text, the finish reason and the timings.
/// </summary>
internal static class GenerateCommand
{
    private static readonly string[] DeviceNames = ["auto", "cpu", "cuda"];

    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Model directory (config.json, safetensors, tokenizer.json).", Required = true };
        var prompt = new Option<string>("--prompt") { Description = "The prompt: the user's message, or with --raw the text to continue.", Required = true };
        var image = new Option<string[]>("--image") { Description = "An image file (PNG, JPEG, BMP, GIF) shown before the prompt; may be given several times. Vision-language models only." };
        var system = new Option<string?>("--system") { Description = "A system message put before the prompt (chat template only)." };
        var raw = new Option<bool>("--raw") { Description = "Continue the prompt text as it is, without the chat template." };
        var maxTokens = new Option<int>("--max-tokens") { Description = "Most tokens to generate.", DefaultValueFactory = _ => GenerationOptions.DefaultMaxTokens };
        var temperature = new Option<float?>("--temperature") { Description = "Sampling temperature; 0 is greedy. Default: generation_config.json's, else greedy." };
        var topP = new Option<float?>("--top-p") { Description = "Nucleus sampling threshold in (0, 1]. Default: generation_config.json's, else 1." };
        var topK = new Option<int?>("--top-k") { Description = "Keep only the k most likely tokens; 0 keeps all. Default: generation_config.json's, else 0." };
        var seed = new Option<ulong?>("--seed") { Description = "Seed of the sampler; the same seed gives the same text." };
        var stop = new Option<string[]>("--stop") { Description = "A string that ends generation (not printed); may be given several times." };
        var maxContext = new Option<int?>("--max-context") { Description = "Most tokens of prompt and output together. Default: the model's max_position_embeddings." };
        var device = new Option<string>("--device") { Description = "Where to run: auto, cpu or cuda.", DefaultValueFactory = _ => "auto" };
        device.AcceptOnlyFromAmong(DeviceNames);
        var gpuMemory = new Option<double?>("--gpu-memory-utilization") { Description = "Share of the GPU's memory the model may fill (weights, workspace, KV cache), in (0, 1]. Default: 0.9. CUDA only." };
        var maxStepTokens = new Option<int?>("--max-step-tokens") { Description = "Most tokens per forward step; longer prompts are prefilled in chunks. Default: 2048 on CUDA, the whole prompt on the CPU." };
        var truncatePrompt = new Option<bool>("--truncate-prompt") { Description = "Keep the prompt's last tokens when it does not fit the context, instead of failing." };
        var ignoreEos = new Option<bool>("--ignore-eos") { Description = "Keep generating past end-of-sequence tokens, up to --max-tokens (for benchmarks)." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object: prompt and output ids, text, finish reason, timings." };
        var command = new Command("generate", "Generate text from a model directory.")
        {
            model, prompt, image, system, raw, maxTokens, temperature, topP, topK, seed, stop, maxContext, device, gpuMemory, maxStepTokens, truncatePrompt, ignoreEos, json,
        };
        command.SetAction((result, cancellationToken) => Task.Run(
            () =>
            {
                var arguments = new GenerateArguments
                {
                    ModelDirectory = result.GetValue(model)!,
                    Prompt = result.GetValue(prompt)!,
                    Images = result.GetValue(image) ?? [],
                    System = result.GetValue(system),
                    Raw = result.GetValue(raw),
                    MaxTokens = result.GetValue(maxTokens),
                    Temperature = result.GetValue(temperature),
                    TopP = result.GetValue(topP),
                    TopK = result.GetValue(topK),
                    Seed = result.GetValue(seed),
                    StopSequences = result.GetValue(stop) ?? [],
                    MaxContext = result.GetValue(maxContext),
                    Device = result.GetValue(device) ?? "auto",
                    GpuMemoryUtilization = result.GetValue(gpuMemory),
                    MaxStepTokens = result.GetValue(maxStepTokens),
                    TruncatePrompt = result.GetValue(truncatePrompt),
                    IgnoreEndOfSequence = result.GetValue(ignoreEos),
                    Json = result.GetValue(json),
                };
                return Run(arguments, Console.Out, Console.Error, QrtModel.Load, cancellationToken);
            },
            CancellationToken.None));
        return command;
    }

    /// <summary>
    /// Runs the command with the model made by <paramref name="load" />, writing text or JSON to
    /// <paramref name="output" /> and the progress bar, timings and errors to <paramref name="error" />. A user
    /// mistake is one line and a non-zero exit code: 2 for a bad value, 1 for a problem with the model or prompt.
    /// </summary>
    public static int Run(
        GenerateArguments arguments, TextWriter output, TextWriter error, Func<string, QrtModelOptions, QrtModel> load, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(load);
        return CommandErrors.Run(() =>
        {
            try
            {
                return RunChecked(arguments, output, error, load, cancellationToken);
            }
            catch (UsageException problem)
            {
                error.WriteLine($"qrt: {problem.Message}");
                return 2;
            }
            // ArgumentException covers a prompt whose images cannot be placed (an aspect ratio the processor refuses, a stray placeholder).
            catch (Exception problem) when (problem is ModelFileException or ArgumentException or TemplateException or NotSupportedException or ImageFormatException)
            {
                error.WriteLine($"qrt: {problem.Message}");
                return 1;
            }
        });
    }

    private static int RunChecked(
        GenerateArguments arguments, TextWriter output, TextWriter error, Func<string, QrtModelOptions, QrtModel> load, CancellationToken cancellationToken)
    {
        var options = ToGenerationOptions(arguments);
        UsageException.ThrowIf(arguments.Raw && arguments.System is not null, "--system needs the chat template; it cannot be used with --raw");
        UsageException.ThrowIf(arguments.MaxContext is < 2, $"--max-context must be at least 2; found {arguments.MaxContext}");
        UsageException.ThrowIf(arguments.GpuMemoryUtilization is { } share && !(share > 0 && share <= 1), $"--gpu-memory-utilization must be in (0, 1]; found {arguments.GpuMemoryUtilization}");
        UsageException.ThrowIf(arguments.MaxStepTokens is < 1, $"--max-step-tokens must be at least 1; found {arguments.MaxStepTokens}");
        UsageException.ThrowIf(arguments.GpuMemoryUtilization is not null && arguments.Device == "cpu", "--gpu-memory-utilization applies to --device cuda");
        var modelOptions = new QrtModelOptions
        {
            Device = ParseDevice(arguments.Device),
            MaxContextLength = arguments.MaxContext,
            GpuMemoryUtilization = arguments.GpuMemoryUtilization,
            MaxStepTokens = arguments.MaxStepTokens,
        };

        // Images are read before the model, so a wrong path fails in a moment rather than after loading the weights.
        var images = arguments.Images.Select(path => ImageDecoder.Decode(path)).ToList();

        var loadClock = Stopwatch.StartNew();
        using var model = LoadProgressBar.Load(arguments.ModelDirectory, modelOptions, load);
        var loadSeconds = loadClock.Elapsed.TotalSeconds;
        if (images.Count > 0 && !model.SupportsImages)
        {
            error.WriteLine($"qrt: the model in {arguments.ModelDirectory} ({model.Summary.Architecture}) has no image encoder; --image needs a vision-language model (Pixtral, Qwen2-VL)");
            return 1;
        }

        if (arguments.Raw && images.Count > 0 && CountPlaceholders(arguments.Prompt, model.ImagePlaceholder!) != images.Count)
        {
            error.WriteLine(
                $"qrt: with --raw, the prompt must mark each image with {model.ImagePlaceholder}: {images.Count} image(s) given, {CountPlaceholders(arguments.Prompt, model.ImagePlaceholder!)} placeholder(s) found");
            return 1;
        }

        List<ChatMessage>? messages = null;
        if (!arguments.Raw)
        {
            if (!model.HasChatTemplate)
            {
                error.WriteLine($"qrt: the model in {arguments.ModelDirectory} has no chat template; use --raw to continue the prompt as it is");
                return 1;
            }

            var user = ChatMessage.User(arguments.Prompt, images);
            messages = arguments.System is null ? [user] : [ChatMessage.System(arguments.System), user];
        }

        if (arguments.Json)
        {
            var result = messages is null
                ? model.Generate(arguments.Prompt, images, options, cancellationToken)
                : model.Chat(messages, options, cancellationToken);
            output.WriteLine(GenerationJson.Write(result, loadSeconds));
            return 0;
        }

        var pieces = messages is null
            ? model.StreamAsync(arguments.Prompt, images, options, cancellationToken)
            : model.ChatStreamAsync(messages, options, cancellationToken);
        var completion = StreamTo(output, pieces).GetAwaiter().GetResult();
        output.WriteLine();
        error.WriteLine(DescribeTimings(completion, loadSeconds));
        return 0;
    }

    private static int CountPlaceholders(string prompt, string placeholder)
    {
        var count = 0;
        for (var at = prompt.IndexOf(placeholder, StringComparison.Ordinal); at >= 0; at = prompt.IndexOf(placeholder, at + placeholder.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    private static async Task<GenerationResult> StreamTo(TextWriter output, IAsyncEnumerable<GeneratedPiece> pieces)
    {
        GenerationResult? completion = null;
        await foreach (var piece in pieces.ConfigureAwait(false))
        {
            await output.WriteAsync(piece.Text).ConfigureAwait(false);
            await output.FlushAsync().ConfigureAwait(false);
            completion = piece.Completion ?? completion;
        }

        return completion ?? throw new InvalidOperationException("the stream ended without a result");
    }

    /// <summary>One line: load time, time to first token (and of it the image encoding), prefill and decode speed, token counts and why it stopped.</summary>
    internal static string DescribeTimings(GenerationResult result, double loadSeconds)
    {
        var t = result.Timings;
        var images = t.ImageEncodingSeconds > 0 ? string.Create(CultureInfo.InvariantCulture, $" (images {t.ImageEncodingSeconds:F3} s)") : string.Empty;
        return string.Create(
            CultureInfo.InvariantCulture,
            $"load {loadSeconds:F2} s, time to first token {t.TimeToFirstTokenSeconds:F3} s{images}, prefill {t.PrefillTokensPerSecond:F1} tok/s, " +
            $"decode {t.DecodeTokensPerSecond:F1} tok/s ({t.PromptTokens} prompt tokens, {t.OutputTokens} generated, {GenerationJson.FinishReasonName(result.FinishReason)})");
    }

    private static GenerationOptions ToGenerationOptions(GenerateArguments arguments)
    {
        UsageException.ThrowIf(arguments.MaxTokens < 1, $"--max-tokens must be at least 1; found {arguments.MaxTokens}");
        UsageException.ThrowIf(
            arguments.Temperature is { } t && !(float.IsFinite(t) && t >= 0),
            $"--temperature must be a finite number at least 0 (0 is greedy); found {arguments.Temperature}");
        UsageException.ThrowIf(arguments.TopP is { } p && !(p > 0 && p <= 1), $"--top-p must be in (0, 1]; found {arguments.TopP}");
        UsageException.ThrowIf(arguments.TopK is < 0, $"--top-k must be at least 0 (0 keeps every token); found {arguments.TopK}");
        UsageException.ThrowIf(arguments.StopSequences.Any(string.IsNullOrEmpty), "--stop must not be empty");
        return new GenerationOptions
        {
            MaxTokens = arguments.MaxTokens,
            Temperature = arguments.Temperature,
            TopP = arguments.TopP,
            TopK = arguments.TopK,
            Seed = arguments.Seed,
            StopSequences = arguments.StopSequences,
            TruncatePrompt = arguments.TruncatePrompt,
            IgnoreEndOfSequence = arguments.IgnoreEndOfSequence,
        };
    }

    private static DeviceSelection ParseDevice(string device) => device switch
    {
        "auto" => DeviceSelection.Auto,
        "cpu" => DeviceSelection.Cpu,
        "cuda" => DeviceSelection.Cuda,
        _ => throw new UsageException($"--device must be auto, cpu or cuda; found '{device}'"),
    };
}
