using System.CommandLine;
using System.Globalization;
using System.Text;
using Qrt.Runtime;
using Qrt.Runtime.Interop;
using Qrt.Runtime.Text.Templates;

namespace Qrt.Cli.Commands;

/// <summary>
/// <c>qrt info</c>: which libqrt loaded from where, its backends and devices; with <c>--model DIR</c>, what a model
/// is instead: architecture, parameters, bytes on disk and in memory, scheme per layer kind, context limit.
/// </summary>
internal static class InfoCommand
{
    public static Command Create()
    {
        var model = new Option<string?>("--model") { Description = "Describe the model in this directory instead of the library." };
        var command = new Command("info", "Show the loaded libqrt, its backends and the devices it can use, or with --model a model's make-up.") { model };
        command.SetAction(result => result.GetValue(model) is { } directory
            ? RunModel(directory, Console.Out, Console.Error, QrtModel.Load)
            : CommandErrors.Run(Run));
        return command;
    }

    /// <summary>
    /// Loads the model in <paramref name="directory" /> with <paramref name="load" /> and describes it on
    /// <paramref name="output" />; a problem with the files is one line on <paramref name="error" /> and exit code 1.
    /// </summary>
    public static int RunModel(string directory, TextWriter output, TextWriter error, Func<string, QrtModelOptions, QrtModel> load)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(load);
        return CommandErrors.Run(() =>
        {
            try
            {
                using var model = LoadProgressBar.Load(directory, new QrtModelOptions { Device = DeviceSelection.Cpu }, load);
                output.Write(DescribeModel(model));
                return 0;
            }
            catch (Exception problem) when (problem is ModelFileException or TemplateException or NotSupportedException)
            {
                error.WriteLine($"qrt: {problem.Message}");
                return 1;
            }
        });
    }

    /// <summary>The model's description, one fact per line, schemes indented under their heading.</summary>
    internal static string DescribeModel(QrtModel model)
    {
        var summary = model.Summary;
        var text = new StringBuilder();
        var culture = CultureInfo.InvariantCulture;
        text.Append(culture, $"model: {model.Directory}\n");
        text.Append(culture, $"architecture: {summary.Architecture}\n");
        text.Append(culture, $"parameters: {summary.ParameterCount:N0} ({(summary.ParameterCount >= 1e9 ? $"{summary.ParameterCount / 1e9:F2} B" : $"{summary.ParameterCount / 1e6:F2} M")})\n");
        text.Append(culture, $"bytes on disk: {summary.BytesOnDisk:N0} ({Gibibytes((ulong)summary.BytesOnDisk):F2} GiB)\n");
        text.Append(culture, $"bytes in memory: {summary.BytesInMemory:N0} ({Gibibytes((ulong)summary.BytesInMemory):F2} GiB, KV cache excluded)\n");
        text.Append(culture, $"context limit: {model.MaxContextLength} tokens\n");
        text.Append("schemes:\n");
        foreach (var scheme in summary.Schemes)
        {
            text.Append(culture, $"  {scheme.LayerKind}: {scheme.Scheme} ({scheme.Count} {(scheme.Count == 1 ? "layer" : "layers")})\n");
        }

        return text.ToString();
    }

    private static int Run()
    {
        // A library that cannot be loaded is reported once, as the command's error.
        QrtNativeLibrary.EnsureLoaded();
        Console.WriteLine(QrtNativeLibrary.Describe());
        foreach (var device in Devices.All())
        {
            var info = Devices.GetInfo(device);
            var capability = info.ComputeCapability is { } cc ? $", compute capability {cc}" : string.Empty;
            var units = device.Backend == Backend.Cpu ? "hardware threads" : "SMs";
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"device {device}: {info.Name}{capability}, {info.MultiprocessorCount} {units}, {Gibibytes(info.FreeMemoryBytes):F1} of {Gibibytes(info.TotalMemoryBytes):F1} GiB free"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"cpu threads in use: {Devices.CpuThreadCount}"));
        return 0;
    }

    private static double Gibibytes(ulong bytes) => bytes / (double)(1UL << 30);
}
