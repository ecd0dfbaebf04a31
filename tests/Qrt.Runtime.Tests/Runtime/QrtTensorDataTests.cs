using System.Runtime.InteropServices;
using Qrt.Runtime.Tests.Reference;

namespace Qrt.Runtime.Tests.Runtime;

[TestFixture]
internal sealed class QrtTensorDataTests
{
    private static readonly float[] Values =
    [
        0f, -0f, 1f, -1.5f, 0.1f, 3.14159f, -2.71828f, 1e-3f, 3e-5f, 1e-8f, 1e-40f, 1.00390625f, 1.01171875f, 300f,
        447f, 500f, -1e5f, 3e38f, float.PositiveInfinity, float.NegativeInfinity, float.NaN,
    ];

    private static readonly DType[] AllDTypes = Enum.GetValues<DType>();

    [Test]
    public void FromFloats_F32_KeepsEveryBit()
    {
        using var tensor = QrtTensor.FromFloats(Values, DType.F32, [3, 7]);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(tensor.ToArray<uint>(), Is.EqualTo(Values.Select(BitConverter.SingleToUInt32Bits).ToArray()));
            Assert.That(tensor.ToFloats(), Is.EqualTo(Values));
        }
    }

    [Test]
    public void FromFloats_BF16_RoundsToNearestEven_AsNumberFormatsDoes()
    {
        using var tensor = QrtTensor.FromFloats(Values, DType.BF16, [Values.Length]);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(tensor.ToArray<ushort>(), Is.EqualTo(Values.Select(NumberFormats.FloatToBf16).ToArray()), "BF16 bits");
            Assert.That(tensor.ToFloats(), Is.EqualTo(Values.Select(NumberFormats.RoundToBf16).ToArray()), "values read back");
        }
    }

    [Test]
    public void FromFloats_F16_RoundsToNearestEven()
    {
        using var tensor = QrtTensor.FromFloats(Values, DType.F16, [Values.Length]);

        Assert.That(tensor.ToFloats(), Is.EqualTo(Values.Select(NumberFormats.RoundToF16).ToArray()));
    }

    [Test]
    public void FromFloats_F8E4M3_RoundsToNearestEven_AndSaturates()
    {
        using var tensor = QrtTensor.FromFloats(Values, DType.F8E4M3, [Values.Length]);

        using (Assert.EnterMultipleScope())
        {
            // NaN may keep its sign (0xFF) or not (0x7F): both are e4m3fn's NaN, and qrt.h does not choose.
            var codes = tensor.ToArray<byte>();
            Assert.That(codes.Where((_, i) => !float.IsNaN(Values[i])), Is.EqualTo(Values.Where(v => !float.IsNaN(v)).Select(NumberFormats.FloatToFp8)), "FP8 codes");
            Assert.That(codes.Where((_, i) => float.IsNaN(Values[i])), Is.All.AnyOf((byte)0x7F, (byte)0xFF), "NaN codes");
            Assert.That(tensor.ToFloats(), Is.EqualTo(Values.Select(NumberFormats.RoundToFp8).ToArray()), "values read back");
        }
    }

    [Test]
    public void FromData_AndToArray_RoundTripRawBits_ForEveryDType()
    {
        var bytes = Enumerable.Range(0, 7 * 8).Select(i => (byte)((i * 37) + 11)).ToArray();
        bytes[0] = 0xFF;
        bytes[1] = 0x7F;

        using (Assert.EnterMultipleScope())
        {
            foreach (var dtype in AllDTypes)
            {
                var count = bytes.Length / dtype.ElementSize();
                using var tensor = dtype.ElementSize() switch
                {
                    1 => QrtTensor.FromData<byte>(bytes, dtype, [count]),
                    2 => QrtTensor.FromData<ushort>(MemoryMarshal.Cast<byte, ushort>(bytes), dtype, [count]),
                    4 => QrtTensor.FromData<uint>(MemoryMarshal.Cast<byte, uint>(bytes), dtype, [count]),
                    _ => QrtTensor.FromData<ulong>(MemoryMarshal.Cast<byte, ulong>(bytes), dtype, [count]),
                };
                Assert.That(AsBytes(tensor), Is.EqualTo(bytes), $"{dtype}: NaN payloads and every other bit survive");
            }
        }
    }

    [Test]
    public void Zeros_HoldsZeroBits_ForEveryDType()
    {
        using (Assert.EnterMultipleScope())
        {
            foreach (var dtype in AllDTypes)
            {
                using var tensor = QrtTensor.Zeros(dtype, [3, 17]);
                Assert.That(AsBytes(tensor), Is.All.Zero, dtype.ToString());
                Assert.That(tensor.ElementCount, Is.EqualTo(51));
            }
        }
    }

    [Test]
    public void EmptyShapes_HaveNoElements_AndRoundTrip()
    {
        using var tensor = QrtTensor.FromFloats([], DType.BF16, [0, 7]);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(tensor.ElementCount, Is.Zero);
            Assert.That(tensor.ToFloats(), Is.Empty);
            Assert.That(tensor.ToArray<ushort>(), Is.Empty);
        }
    }

    [Test]
    public void ElementSizeMismatches_AreRefused()
    {
        using var bf16 = QrtTensor.Zeros(DType.BF16, [4]);
        using var f32 = QrtTensor.Zeros(DType.F32, [4]);

        using (Assert.EnterMultipleScope())
        {
            Assert.Throws<ArgumentException>(() => QrtTensor.FromData<int>([1, 2, 3, 4], DType.BF16, [4]));
            Assert.Throws<ArgumentException>(() => bf16.ToArray<float>());
            Assert.Throws<ArgumentException>(() => f32.AsSpan<short>());
            Assert.Throws<ArgumentException>(() => f32.CopyFrom<double>([1, 2, 3, 4]));
            Assert.Throws<ArgumentException>(() => f32.CopyFrom<float>([1, 2, 3]), "element count");
            Assert.Throws<ArgumentException>(() => QrtTensor.FromData<float>([1, 2, 3], DType.F32, [4]), "element count");
        }
    }

    [Test]
    public void FloatConversions_RefuseIntegerDTypes()
    {
        using var ints = QrtTensor.Zeros(DType.I32, [4]);

        using (Assert.EnterMultipleScope())
        {
            Assert.Throws<ArgumentException>(() => QrtTensor.FromFloats([1, 2], DType.I8, [2]));
            Assert.Throws<InvalidOperationException>(() => ints.ToFloats());
        }
    }

    [Test]
    public void NegativeExtents_AreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => QrtTensor.Empty(DType.F32, [3, -1]));
    }

    internal static byte[] AsBytes(QrtTensor tensor) => tensor.DType.ElementSize() switch
    {
        1 => tensor.ToArray<byte>(),
        2 => MemoryMarshal.AsBytes<ushort>(tensor.ToArray<ushort>()).ToArray(),
        4 => MemoryMarshal.AsBytes<uint>(tensor.ToArray<uint>()).ToArray(),
        _ => MemoryMarshal.AsBytes<ulong>(tensor.ToArray<ulong>()).ToArray(),
    };
}
