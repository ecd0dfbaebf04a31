using Qrt.Runtime.Interop;

namespace Qrt.Cli.Commands;

/// <summary>Turns the failures a user can cause or fix into one line on stderr and exit code 1.</summary>
internal static class CommandErrors
{
    public static int Run(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (UsageException error)
        {
            Console.Error.WriteLine($"qrt: {error.Message}");
            return 2;
        }
        catch (QrtLibraryLoadException error)
        {
            Console.Error.WriteLine($"qrt: cannot load libqrt: {error.Message}");
            return 1;
        }
        catch (QrtException error)
        {
            Console.Error.WriteLine($"qrt: {error.Message}");
            return 1;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("qrt: cancelled");
            return 130;
        }
    }
}
