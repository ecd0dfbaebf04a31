namespace Qrt.Runtime;

/// <summary>Where a <see cref="QrtModel" /> runs.</summary>
public enum DeviceSelection
{
    /// <summary>Let Qrt choose; today the CPU, which runs every supported model.</summary>
    Auto,

    /// <summary>The CPU backend.</summary>
    Cpu,

    /// <summary>The first CUDA device.</summary>
    Cuda,
}
