using Qrt.Runtime;
using Spectre.Console;

namespace Qrt.Cli.Commands;

/// <summary>
/// Loads a model, drawing a progress bar of the weights read on stderr when stderr is a terminal (never into
/// a file or pipe, where it would only be noise).
/// </summary>
internal static class LoadProgressBar
{
    public static QrtModel Load(string directory, QrtModelOptions options, Func<string, QrtModelOptions, QrtModel> load)
    {
        if (Console.IsErrorRedirected)
        {
            return load(directory, options);
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        return console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask("loading weights");
                // The loader reports from its own thread; the bar only needs the latest figures.
                var progress = new SynchronousProgress(report =>
                {
                    task.MaxValue = Math.Max(report.TotalBytes, 1);
                    task.Value = report.BytesLoaded;
                });
                var model = load(directory, options with { Progress = progress });
                task.Value = task.MaxValue;
                return model;
            });
    }

    /// <summary>Calls back on the reporting thread (Progress&lt;T&gt; would post to a context a console app lacks).</summary>
    private sealed class SynchronousProgress(Action<ModelLoadProgress> report) : IProgress<ModelLoadProgress>
    {
        public void Report(ModelLoadProgress value) => report(value);
    }
}
