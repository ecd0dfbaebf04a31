using System.CommandLine;
using Qrt.Cli.Commands;

namespace Qrt.Cli;

/// <summary>The qrt command line: one subcommand per task.</summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        var root = new RootCommand("qrt: run quantized language and vision-language models with libqrt.")
        {
            InfoCommand.Create(),
            DemoCommand.Create(),
            TokenizeCommand.Create(),
            SynthCommand.Create(),
            GenerateCommand.Create(),
        };
        return root.Parse(args).Invoke();
    }
}
