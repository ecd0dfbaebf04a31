using System.Globalization;
using Qrt.Bindings;

namespace Qrt.Runtime;

/// <summary>One device: a backend and an ordinal within it, written "cpu" or "cuda:1".</summary>
public readonly record struct Device(Backend Backend, int Ordinal)
{
    /// <summary>The host processor.</summary>
    public static Device Cpu => new(Backend.Cpu, 0);

    /// <summary>The CUDA GPU with the given ordinal.</summary>
    public static Device Cuda(int ordinal = 0) => new(Backend.Cuda, ordinal);

    /// <summary>Parses "cpu", "cuda" or "cuda:N".</summary>
    public static Device Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Trim().ToLowerInvariant().Split(':');
        var ordinal = 0;
        if (parts.Length > 2 || (parts.Length == 2 && !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out ordinal)))
        {
            throw new FormatException($"'{text}' is not a device: expected cpu, cuda or cuda:N.");
        }

        return parts[0] switch
        {
            "cpu" when ordinal == 0 => Cpu,
            "cuda" => Cuda(ordinal),
            _ => throw new FormatException($"'{text}' is not a device: expected cpu, cuda or cuda:N."),
        };
    }

    /// <inheritdoc />
    public override string ToString() =>
        Backend == Backend.Cpu ? "cpu" : string.Create(CultureInfo.InvariantCulture, $"cuda:{Ordinal}");

    internal qrt_device ToNative() => new() { backend = (int)Backend, ordinal = Ordinal };
}
