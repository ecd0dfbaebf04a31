using Qrt.Runtime.Tests.Reference;
using Qrt.Runtime.Tests.Support;

namespace Qrt.Runtime.Tests.Ops.Gemm;

/// <summary>
/// Moves test values into and out of CPU tensors by encoding the storage formats with
/// <see cref="NumberFormats"/>, so that no kernel is checked through libqrt's own conversions.
/// </summary>
internal static class TensorCodec
{
    /// <summary>Random values already rounded to dtype, so the reference sees what the kernel reads.</summary>
    public static float[] Values(TestData data, DType dtype, int count, float low = -1f, float high = 1f) =>
        TestData.RoundedTo(dtype, data.Uniform(count, low, high));

    /// <summary>Random FP8 e4m3 codes, never NaN (0x7F, 0xFF).</summary>
    public static byte[] Fp8Codes(TestData data, int count) =>
        data.Integers(count, 0, 253).Select(v => (byte)(v < 0x7F ? v : v + 1)).ToArray();

    /// <summary>A deterministic seed from a test case's parameters.</summary>
    public static int Seed(params int[] parts)
    {
        var seed = 17;
        foreach (var part in parts)
        {
            seed = unchecked((seed * 31) + part);
        }

        return seed & int.MaxValue;
    }

    public static double[] AsDoubles(this float[] values) => Array.ConvertAll(values, v => (double)v);
}
