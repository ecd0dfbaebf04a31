namespace Qrt.Runtime;

/// <summary>
/// The element type activations take on each backend. The CPU backend computes in FP32 (it is the oracle); the
/// CUDA backend keeps activations, the residual stream and the KV cache in BF16, the checkpoints' own dtype, with
/// FP32 accumulation inside every kernel — what transformers and vLLM do on a GPU.
/// </summary>
internal static class ActivationTypes
{
    /// <summary>The dtype of activations on <paramref name="device"/>.</summary>
    public static DType ActivationDType(this Device device) => device.Backend == Backend.Cpu ? DType.F32 : DType.BF16;
}
