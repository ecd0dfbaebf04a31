using System.CommandLine;
using System.Globalization;
using Qrt.Runtime;
using Qrt.Runtime.Interop;

namespace Qrt.Cli.Commands;

/// <summary><c>qrt info</c>: which libqrt loaded from where, its backends and devices.</summary>
internal static class InfoCommand
{
    public static Command Create()
    {
        var command = new Command("info", "Show the loaded libqrt, its backends and the devices it can use.");
        command.SetAction(_ => CommandErrors.Run(Run));
        return command;
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
