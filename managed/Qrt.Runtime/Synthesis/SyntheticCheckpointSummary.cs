namespace Qrt.Runtime.Synthesis;

/// <summary>What <see cref="SyntheticCheckpoint.Write" /> wrote.</summary>
/// <param name="Directory">The model directory.</param>
/// <param name="Files">Every file written, in the order written.</param>
/// <param name="ParameterCount">Parameters of the model before quantization (embeddings, linears, norms, biases).</param>
/// <param name="TensorCount">Tensors stored across the safetensors files.</param>
/// <param name="TensorBytes">Bytes of tensor data stored.</param>
/// <param name="TotalBytes">Bytes of every file written.</param>
public sealed record SyntheticCheckpointSummary(
    string Directory,
    IReadOnlyList<string> Files,
    long ParameterCount,
    int TensorCount,
    long TensorBytes,
    long TotalBytes);

/// <summary>Progress of <see cref="SyntheticCheckpoint.Write" />: reported after each tensor is written.</summary>
/// <param name="TensorName">The tensor just written.</param>
/// <param name="TensorsWritten">Tensors written so far.</param>
/// <param name="TensorCount">Tensors in all.</param>
public readonly record struct SyntheticCheckpointProgress(string TensorName, int TensorsWritten, int TensorCount);
