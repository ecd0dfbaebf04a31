namespace Qrt.Cli.Commands;

/// <summary>A command-line value the parser accepted but the command cannot use; reported as a usage error (exit 2).</summary>
internal sealed class UsageException(string message) : Exception(message)
{
    public static void ThrowIf(bool condition, string message)
    {
        if (condition)
        {
            throw new UsageException(message);
        }
    }
}
