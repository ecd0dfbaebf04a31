namespace Qrt.Runtime.Synthesis;

/// <summary>How the linear layers of a synthetic checkpoint are stored, as llm-compressor or AutoFP8 would write them.</summary>
public enum SyntheticScheme
{
    /// <summary>Unquantized BF16 weights, no quantization_config.</summary>
    Bf16,

    /// <summary>compressed-tensors pack-quantized int4, symmetric, BF16 scales per group of 128 (32 for tiny models).</summary>
    W4A16,

    /// <summary>Int4 with zero points, groups of 32.</summary>
    W4A16Asym,

    /// <summary>Symmetric int4 quantized in activation order by group: with weight_g_idx.</summary>
    W4A16ActOrder,

    /// <summary>int-quantized: int8 weights with per-channel scales, int8 activations quantized per token at run time.</summary>
    W8A8Int8,

    /// <summary>int-quantized: int8 per-channel weights and one static input scale per layer.</summary>
    W8A8Int8Static,

    /// <summary>float-quantized: FP8 e4m3 weights with per-channel scales, FP8 activations per token at run time.</summary>
    Fp8,

    /// <summary>float-quantized: FP8 weights with one scale per tensor and a static input scale.</summary>
    Fp8Static,

    /// <summary>AutoFP8 (quant_method "fp8", activation_scheme "static"): per-tensor scalar weight and input scales.</summary>
    AutoFp8,
}
