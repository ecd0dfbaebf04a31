using System.CommandLine;
using System.Globalization;
using Qrt.Runtime.Synthesis;

namespace Qrt.Cli.Commands;

/// <summary>
/// <c>qrt synth</c>: writes a random-weight checkpoint of a supported architecture in one of the supported
/// schemes, in the exact layout of a Hugging Face model directory, so Qrt can run end to end without a download.
/// </summary>
internal static class SynthCommand
{
    public static Command Create()
    {
        var arch = new Option<string>("--arch") { Description = $"Architecture: {string.Join(", ", SyntheticNames.ArchitectureNames)}.", Required = true };
        var scheme = new Option<string>("--scheme") { Description = $"Weight format: {string.Join(", ", SyntheticNames.SchemeNames)}.", Required = true };
        var size = new Option<string>("--size") { Description = $"Model size: {string.Join(", ", SyntheticNames.SizeNames)}.", DefaultValueFactory = _ => "tiny" };
        var seed = new Option<int>("--seed") { Description = "Seed of the random weights (same seed, same files).", DefaultValueFactory = _ => 0 };
        var shards = new Option<int>("--shards") { Description = "Number of safetensors files; above 1 writes shards and model.safetensors.index.json.", DefaultValueFactory = _ => 1 };
        var output = new Option<string>("--out") { Description = "Directory to write (created if missing; must be empty unless --force).", Required = true };
        var force = new Option<bool>("--force") { Description = "Write into a directory that is not empty, replacing an earlier checkpoint's files." };
        var command = new Command("synth", "Write a checkpoint with random weights in a real model's on-disk layout (config, safetensors, tokenizer).")
        {
            arch, scheme, size, seed, shards, output, force,
        };
        command.SetAction(result => Run(
            new SynthArguments(
                result.GetValue(arch)!, result.GetValue(scheme)!, result.GetValue(size)!, result.GetValue(seed), result.GetValue(shards),
                result.GetValue(output)!, result.GetValue(force)),
            Console.Out,
            Console.Error));
        return command;
    }

    /// <summary>
    /// Writes the checkpoint and prints what was written to <paramref name="output" />; a user mistake (unknown
    /// name, bad count, non-empty directory) is one line on <paramref name="error" /> and exit code 2, a failure to
    /// write one line and exit code 1.
    /// </summary>
    public static int Run(SynthArguments arguments, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        try
        {
            var options = Parse(arguments);
            var summary = SyntheticCheckpoint.Write(options);
            Report(options, summary, output);
            return 0;
        }
        catch (UsageException problem)
        {
            error.WriteLine($"qrt: {problem.Message}");
            return 2;
        }
        catch (Exception problem) when (problem is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"qrt: cannot write the checkpoint: {problem.Message}");
            return 1;
        }
    }

    private static SyntheticCheckpointOptions Parse(SynthArguments arguments)
    {
        if (!SyntheticNames.TryParse(arguments.Architecture, out SyntheticArchitecture architecture))
        {
            throw new UsageException($"--arch \"{arguments.Architecture}\" is not supported; choose one of {string.Join(", ", SyntheticNames.ArchitectureNames)}");
        }

        if (!SyntheticNames.TryParse(arguments.Scheme, out SyntheticScheme scheme))
        {
            throw new UsageException($"--scheme \"{arguments.Scheme}\" is not supported; choose one of {string.Join(", ", SyntheticNames.SchemeNames)}");
        }

        if (!SyntheticNames.TryParse(arguments.Size, out SyntheticSize size))
        {
            throw new UsageException($"--size \"{arguments.Size}\" is not supported; choose one of {string.Join(", ", SyntheticNames.SizeNames)}");
        }

        UsageException.ThrowIf(arguments.Shards < 1, $"--shards must be at least 1; found {arguments.Shards}");

        // Small enough that every shard gets at least one tensor even for a one-layer model.
        UsageException.ThrowIf(arguments.Shards > 8, $"--shards must be at most 8; found {arguments.Shards}");
        UsageException.ThrowIf(
            !arguments.Force && SyntheticCheckpoint.IsNonEmptyDirectory(arguments.OutputDirectory),
            $"--out {arguments.OutputDirectory} is not empty; choose an empty or new directory, or pass --force to overwrite");
        return new SyntheticCheckpointOptions
        {
            Architecture = architecture,
            Scheme = scheme,
            Size = size,
            Seed = arguments.Seed,
            Shards = arguments.Shards,
            OutputDirectory = arguments.OutputDirectory,
            Overwrite = arguments.Force,
        };
    }

    private static void Report(SyntheticCheckpointOptions options, SyntheticCheckpointSummary summary, TextWriter output)
    {
        var culture = CultureInfo.InvariantCulture;
        var kind = options.Architecture.IsVisionLanguage() ? "vision-language model" : "checkpoint";
        output.WriteLine(string.Create(culture,
            $"Wrote a {options.Size.Name()} {options.Architecture.Name()} {kind} in {options.Scheme.Name()} to {summary.Directory}"));
        output.WriteLine(string.Create(culture,
            $"  {summary.ParameterCount:N0} parameters, {summary.TensorCount:N0} tensors, {summary.TensorBytes:N0} bytes of weights, {summary.TotalBytes:N0} bytes in {summary.Files.Count} files:"));
        foreach (var file in summary.Files)
        {
            output.WriteLine(string.Create(culture, $"    {Path.GetFileName(file)} ({new FileInfo(file).Length:N0} bytes)"));
        }

        var imageFiles = summary.Files.Select(file => Path.GetFileName(file)).Where(name => name is "preprocessor_config.json" or "processor_config.json").ToList();
        if (imageFiles.Count > 0)
        {
            output.WriteLine($"The vision tower and projector are BF16 whatever the scheme; {string.Join(" and ", imageFiles)} say how images are prepared.");
        }

        output.WriteLine(string.Create(culture, $"The weights are random (seed {options.Seed}): the model runs like a real one, but its text means nothing."));
    }
}

/// <summary>The values of <c>qrt synth</c>'s options, as typed.</summary>
internal sealed record SynthArguments(
    string Architecture, string Scheme, string Size, int Seed, int Shards, string OutputDirectory, bool Force);
