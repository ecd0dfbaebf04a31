namespace Qrt.Runtime;

/// <summary>How <see cref="QrtModel.Load" /> loads a model.</summary>
public sealed record QrtModelOptions
{
    /// <summary>Where the model runs; <see cref="DeviceSelection.Auto" /> by default.</summary>
    public DeviceSelection Device { get; init; } = DeviceSelection.Auto;

    /// <summary>Most tokens per sequence (prompt and output together). Null: config.json's max_position_embeddings.</summary>
    public int? MaxContextLength { get; init; }

    /// <summary>
    /// On a CUDA device, the share of its memory the model may fill — weights, workspace and the KV cache, which takes
    /// what remains (vLLM's --gpu-memory-utilization). Null: 0.9. Must be in (0, 1]; refused on the CPU, whose KV
    /// cache grows as sequences need it.
    /// </summary>
    public double? GpuMemoryUtilization { get; init; }

    /// <summary>
    /// The most tokens one forward step takes; a longer prompt is prefilled in chunks of this size, which bounds the
    /// workspace (vLLM's --max-num-batched-tokens). Null: 2048 on CUDA, the whole prompt on the CPU.
    /// </summary>
    public int? MaxStepTokens { get; init; }

    /// <summary>Receives progress while the weights are read; null for none.</summary>
    public IProgress<ModelLoadProgress>? Progress { get; init; }
}
