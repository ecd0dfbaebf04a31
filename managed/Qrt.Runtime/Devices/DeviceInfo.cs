namespace Qrt.Runtime;

/// <summary>Properties of one device.</summary>
/// <param name="Device">The device described.</param>
/// <param name="Name">Marketing name of the GPU, or the CPU model.</param>
/// <param name="ComputeCapability">CUDA compute capability (e.g. 9.0), or null for the CPU.</param>
/// <param name="MultiprocessorCount">Streaming multiprocessors of a GPU; hardware threads of the CPU.</param>
/// <param name="TotalMemoryBytes">Device memory (physical RAM for the CPU).</param>
/// <param name="FreeMemoryBytes">Memory free when asked.</param>
public sealed record DeviceInfo(
    Device Device,
    string Name,
    Version? ComputeCapability,
    int MultiprocessorCount,
    ulong TotalMemoryBytes,
    ulong FreeMemoryBytes);

/// <summary>What libqrt knows about a backend in this process.</summary>
/// <param name="Backend">The backend described.</param>
/// <param name="Compiled">Whether the loaded libqrt was built with it.</param>
/// <param name="DeviceCount">Usable devices (0 without a driver or GPU).</param>
/// <param name="Detail">Why: versions found, or the driver's error.</param>
public sealed record BackendInfo(Backend Backend, bool Compiled, int DeviceCount, string Detail);
