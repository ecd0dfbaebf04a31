namespace Qrt.Runtime;

/// <summary>What a loaded model is: its architecture, size, and how each kind of layer is stored.</summary>
/// <param name="Architecture">The config.json architecture, e.g. "MistralForCausalLM".</param>
/// <param name="ParameterCount">Parameters of the unquantized model (packed codes count one per weight).</param>
/// <param name="BytesOnDisk">Bytes of tensor data in the checkpoint's safetensors files.</param>
/// <param name="BytesInMemory">Bytes the loaded weights occupy on the device, KV cache excluded.</param>
/// <param name="Schemes">The storage scheme of each layer kind ("q_proj", "experts.w1", "lm_head", ...).</param>
public sealed record ModelSummary(
    string Architecture, long ParameterCount, long BytesOnDisk, long BytesInMemory, IReadOnlyList<LayerKindScheme> Schemes);

/// <summary>The scheme of one kind of linear layer and how many layers of that kind use it.</summary>
public sealed record LayerKindScheme(string LayerKind, string Scheme, int Count);
