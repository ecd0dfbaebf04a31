using Qrt.Bindings;

namespace Qrt.Runtime;

/// <summary>A family of devices with its own kernels (mirrors <c>qrt_backend</c>).</summary>
public enum Backend
{
    /// <summary>The host processor: always present, one device.</summary>
    Cpu = qrt_backend.QRT_BACKEND_CPU,

    /// <summary>NVIDIA GPUs through CUDA.</summary>
    Cuda = qrt_backend.QRT_BACKEND_CUDA,
}
