namespace Qrt.Runtime;

/// <summary>How far loading a model's weights has come, reported while tensors are read.</summary>
/// <param name="BytesLoaded">Bytes of checkpoint tensors read so far.</param>
/// <param name="TotalBytes">Bytes of checkpoint tensors to read in all.</param>
/// <param name="CurrentTensor">The tensor being read, or null at the start and the end.</param>
public readonly record struct ModelLoadProgress(long BytesLoaded, long TotalBytes, string? CurrentTensor);
