namespace Qrt.Runtime.Synthesis;

/// <summary>What <see cref="SyntheticCheckpoint.Write" /> writes and where.</summary>
public sealed record SyntheticCheckpointOptions
{
    /// <summary>The architecture.</summary>
    public required SyntheticArchitecture Architecture { get; init; }

    /// <summary>How the linear layers are stored.</summary>
    public required SyntheticScheme Scheme { get; init; }

    /// <summary>The model size.</summary>
    public SyntheticSize Size { get; init; } = SyntheticSize.Tiny;

    /// <summary>The directory to write; created when missing.</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>Seed of the random weights: the same seed gives the same bytes.</summary>
    public int Seed { get; init; }

    /// <summary>Number of safetensors files: 1 writes model.safetensors, more write shards and an index.</summary>
    public int Shards { get; init; } = 1;

    /// <summary>Whether to write into a directory that is not empty (files of an earlier checkpoint are replaced).</summary>
    public bool Overwrite { get; init; }

    /// <summary>Dimensions that replace those of <see cref="Size" />, for very small test models.</summary>
    internal ModelDimensions? Dimensions { get; init; }

    /// <summary>The dimensions written; custom dimensions without a vision tower get the size's standard one.</summary>
    internal ModelDimensions ResolvedDimensions => Dimensions is { } custom
        ? custom with { Vision = custom.Vision ?? VisionDimensions.For(Architecture, Size) }
        : ModelDimensions.For(Architecture, Size);
}
