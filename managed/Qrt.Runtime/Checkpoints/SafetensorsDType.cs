namespace Qrt.Runtime.Checkpoints;

/// <summary>The element types a safetensors header may name (the "dtype" of a tensor entry).</summary>
public enum SafetensorsDType
{
    /// <summary>"BOOL": one byte per element, 0 or 1.</summary>
    Bool,

    /// <summary>"U8": unsigned 8-bit integer.</summary>
    U8,

    /// <summary>"I8": signed 8-bit integer.</summary>
    I8,

    /// <summary>"I16": signed 16-bit integer.</summary>
    I16,

    /// <summary>"I32": signed 32-bit integer (also the storage of packed 4-bit weights).</summary>
    I32,

    /// <summary>"I64": signed 64-bit integer.</summary>
    I64,

    /// <summary>"F16": IEEE binary16.</summary>
    F16,

    /// <summary>"BF16": bfloat16, the upper half of a binary32.</summary>
    BF16,

    /// <summary>"F32": IEEE binary32.</summary>
    F32,

    /// <summary>"F64": IEEE binary64.</summary>
    F64,

    /// <summary>"F8_E4M3": FP8 e4m3fn (no infinities, largest finite ±448).</summary>
    F8E4M3,

    /// <summary>"F8_E5M2": FP8 e5m2.</summary>
    F8E5M2,
}
