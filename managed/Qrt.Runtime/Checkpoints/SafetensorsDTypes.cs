namespace Qrt.Runtime.Checkpoints;

/// <summary>Facts about <see cref="SafetensorsDType" />: element size, the name written in files, the runtime type.</summary>
public static class SafetensorsDTypes
{
    private static readonly (string Name, SafetensorsDType DType)[] Names =
    [
        ("BOOL", SafetensorsDType.Bool),
        ("U8", SafetensorsDType.U8),
        ("I8", SafetensorsDType.I8),
        ("I16", SafetensorsDType.I16),
        ("I32", SafetensorsDType.I32),
        ("I64", SafetensorsDType.I64),
        ("F16", SafetensorsDType.F16),
        ("BF16", SafetensorsDType.BF16),
        ("F32", SafetensorsDType.F32),
        ("F64", SafetensorsDType.F64),
        ("F8_E4M3", SafetensorsDType.F8E4M3),
        ("F8_E5M2", SafetensorsDType.F8E5M2),
    ];

    /// <summary>The names a header may use, for messages: "BOOL, U8, ...".</summary>
    public static string KnownNames { get; } = string.Join(", ", Names.Select(entry => entry.Name));

    /// <summary>Size of one element in bytes.</summary>
    public static int ElementSize(this SafetensorsDType dtype) => dtype switch
    {
        SafetensorsDType.Bool or SafetensorsDType.U8 or SafetensorsDType.I8
            or SafetensorsDType.F8E4M3 or SafetensorsDType.F8E5M2 => 1,
        SafetensorsDType.I16 or SafetensorsDType.F16 or SafetensorsDType.BF16 => 2,
        SafetensorsDType.I32 or SafetensorsDType.F32 => 4,
        SafetensorsDType.I64 or SafetensorsDType.F64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown safetensors dtype"),
    };

    /// <summary>The name as written in a safetensors header ("F8_E4M3").</summary>
    public static string FileName(this SafetensorsDType dtype)
    {
        foreach (var (name, known) in Names)
        {
            if (known == dtype)
            {
                return name;
            }
        }

        throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown safetensors dtype");
    }

    /// <summary>Parses a header's dtype name; the match is exact, as the format's names are upper case.</summary>
    public static bool TryParse(string name, out SafetensorsDType dtype)
    {
        foreach (var (known, value) in Names)
        {
            if (string.Equals(known, name, StringComparison.Ordinal))
            {
                dtype = value;
                return true;
            }
        }

        dtype = default;
        return false;
    }

    /// <summary>The runtime tensor type with the same bits, for the dtypes the kernels handle.</summary>
    public static bool TryGetRuntimeDType(this SafetensorsDType dtype, out DType runtime)
    {
        (var found, runtime) = dtype switch
        {
            SafetensorsDType.F32 => (true, DType.F32),
            SafetensorsDType.F16 => (true, DType.F16),
            SafetensorsDType.BF16 => (true, DType.BF16),
            SafetensorsDType.F8E4M3 => (true, DType.F8E4M3),
            SafetensorsDType.I8 => (true, DType.I8),
            SafetensorsDType.U8 => (true, DType.U8),
            SafetensorsDType.I32 => (true, DType.I32),
            SafetensorsDType.I64 => (true, DType.I64),
            _ => (false, default(DType)),
        };
        return found;
    }
}
