namespace Qrt.Runtime.Models.Loading;

/// <summary>
/// How a model uses a GPU's memory, as vLLM's engine arguments do: the share of the device it may fill (weights,
/// workspace and KV cache together) and the most tokens one forward step takes (a longer prompt is prefilled in
/// chunks of that size, so the workspace has a fixed size).
/// </summary>
/// <param name="GpuMemoryUtilization">Share of the device's memory, in (0, 1]; null for <see cref="DefaultGpuMemoryUtilization"/>.</param>
/// <param name="MaxStepTokens">Tokens per forward step; null for <see cref="DefaultMaxStepTokens"/>.</param>
internal sealed record DeviceMemoryOptions(double? GpuMemoryUtilization = null, int? MaxStepTokens = null)
{
    /// <summary>vLLM's default share of the GPU.</summary>
    public const double DefaultGpuMemoryUtilization = 0.9;

    /// <summary>vLLM's default token budget of one step with chunked prefill.</summary>
    public const int DefaultMaxStepTokens = 2048;

    /// <summary>Every default.</summary>
    public static DeviceMemoryOptions Default { get; } = new();

    /// <summary>The share of the device in effect.</summary>
    public double Utilization => GpuMemoryUtilization ?? DefaultGpuMemoryUtilization;

    /// <summary>The step size in effect.</summary>
    public int StepTokens => MaxStepTokens ?? DefaultMaxStepTokens;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for a value out of range, naming it.</summary>
    public void Validate()
    {
        if (GpuMemoryUtilization is { } share && !(share > 0 && share <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(GpuMemoryUtilization), share, "the GPU memory utilization must be in (0, 1]");
        }

        if (MaxStepTokens is { } tokens && tokens < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxStepTokens), tokens, "the most tokens per step must be at least 1");
        }
    }
}
