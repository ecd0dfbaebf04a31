namespace Qrt.Cli.Commands;

/// <summary>The values of one <c>qrt generate</c> command line.</summary>
internal sealed record GenerateArguments
{
    public required string ModelDirectory { get; init; }

    public required string Prompt { get; init; }

    public IReadOnlyList<string> Images { get; init; } = [];

    public string? System { get; init; }

    public bool Raw { get; init; }

    public int MaxTokens { get; init; } = Qrt.Runtime.GenerationOptions.DefaultMaxTokens;

    public float? Temperature { get; init; }

    public float? TopP { get; init; }

    public int? TopK { get; init; }

    public ulong? Seed { get; init; }

    public IReadOnlyList<string> StopSequences { get; init; } = [];

    public int? MaxContext { get; init; }

    public string Device { get; init; } = "auto";

    /// <summary>--gpu-memory-utilization: the share of the GPU the model may fill; null for the default.</summary>
    public double? GpuMemoryUtilization { get; init; }

    /// <summary>--max-step-tokens: the most tokens per forward step; null for the default.</summary>
    public int? MaxStepTokens { get; init; }

    public bool TruncatePrompt { get; init; }

    public bool IgnoreEndOfSequence { get; init; }

    public bool Json { get; init; }
}
