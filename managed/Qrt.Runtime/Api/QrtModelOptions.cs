namespace Qrt.Runtime;

/// <summary>How <see cref="QrtModel.Load" /> loads a model.</summary>
public sealed record QrtModelOptions
{
    /// <summary>Where the model runs; <see cref="DeviceSelection.Auto" /> by default.</summary>
    public DeviceSelection Device { get; init; } = DeviceSelection.Auto;

    /// <summary>Most tokens per sequence (prompt and output together). Null: config.json's max_position_embeddings.</summary>
    public int? MaxContextLength { get; init; }

    /// <summary>Receives progress while the weights are read; null for none.</summary>
    public IProgress<ModelLoadProgress>? Progress { get; init; }
}
