using System.Runtime.InteropServices;
using Qrt.Runtime.Tests.Reference;
using Qrt.Runtime.Tests.Support;
using static Qrt.Runtime.Tests.Ops.Core.CoreTesting;
using static Qrt.Runtime.Tests.Support.Rejection;
using static Qrt.Runtime.Tests.Support.TensorBits;
using static Qrt.Runtime.Tests.Support.TensorSpec;

namespace Qrt.Runtime.Tests.Ops.Core;

[TestFixture]
internal sealed class CopyTests : CpuStreamFixture
{
    private static readonly DType[] FloatDTypes = [DType.F32, DType.F16, DType.BF16, DType.F8E4M3];

    private static readonly Call ValidArguments = new(Src: Zeros(DType.F32, 3, 7), Dst: Zeros(DType.F32, 3, 7));

    private static readonly float[] SpecialValues =
    [
        0f, -0f, 1f, -1f, 0.1f, -1e-3f, 3e-5f, 1e-8f, 1e-40f, MathF.Pow(2, -7), MathF.Pow(2, -10), 300f, 448f, -500f,
        1e5f, 3e38f, -3e38f, float.PositiveInfinity, float.NegativeInfinity, float.NaN,
    ];

    public static IEnumerable<TestCaseData> FloatPairs() =>
        from source in FloatDTypes from destination in FloatDTypes select new TestCaseData(source, destination);

    public static IEnumerable<TestCaseData> FloatPairsAndShapes() =>
        from source in FloatDTypes
        from destination in FloatDTypes
        from shape in new[] { Shape(1), Shape(3, 7), Shape(17, 33), Shape(2, 3, 127) }
        select new TestCaseData(source, destination, shape);

    public static IEnumerable<TestCaseData> BadArguments() => BadArgument.Cases<Call>(
        new("I32 to F32", c => c with { Src = Zeros(DType.I32, 3, 7), Dst = Zeros(DType.F32, 3, 7) }, "dst"),
        new("I8 to F16", c => c with { Src = Zeros(DType.I8, 3, 7), Dst = Zeros(DType.F16, 3, 7) }, "dst"),
        new("I64 to BF16", c => c with { Src = Zeros(DType.I64, 3, 7), Dst = Zeros(DType.BF16, 3, 7) }, "dst"),
        new("U8 to F8E4M3", c => c with { Src = Zeros(DType.U8, 3, 7), Dst = Zeros(DType.F8E4M3, 3, 7) }, "dst"),
        new("F32 to I32", c => c with { Src = Zeros(DType.F32, 3, 7), Dst = Zeros(DType.I32, 3, 7) }, "dst"),
        new("I8 to U8", c => c with { Src = Zeros(DType.I8, 3, 7), Dst = Zeros(DType.U8, 3, 7) }, "dst"),
        new("I32 to I64", c => c with { Src = Zeros(DType.I32, 3, 7), Dst = Zeros(DType.I64, 3, 7) }, "dst"),
        new("a dst of the transposed shape", c => c with { Src = Zeros(DType.F32, 3, 4), Dst = Zeros(DType.F32, 4, 3) }, "dst"));

    [TestCaseSource(nameof(FloatPairsAndShapes))]
    public void Copy_RoundsOnceToTheDestination_ForEveryFloatPair(DType source, DType destination, long[] shape)
    {
        var values = Stored(source, new TestData(101).Normal(Count(shape), 8.0));
        using var src = Upload(source, values, shape);
        using var dst = QrtTensor.Empty(destination, shape);

        Qrt.Runtime.Ops.Copy(Stream, src, dst);

        // Exact: each source value is exactly an FP32 value, which the conversion rounds once to the destination.
        Tolerance.AssertClose(Read(dst), Widen(values.Select(v => NumberFormats.RoundTo(destination, v))), 0, 0, $"{source}->{destination}");
    }

    [TestCaseSource(nameof(FloatPairs))]
    public void Copy_ConvertsSpecialValues_ForEveryFloatPair(DType source, DType destination)
    {
        var values = Stored(source, SpecialValues);
        using var src = Upload(source, values, values.Length);
        using var dst = QrtTensor.Empty(destination, [values.Length]);

        Qrt.Runtime.Ops.Copy(Stream, src, dst);

        var actual = Read(dst);
        // Exact: zeros, subnormals, overflow to infinity (FP8 saturating instead) and NaN all have one right answer.
        Tolerance.AssertClose(actual, Widen(values.Select(v => NumberFormats.RoundTo(destination, v))), 0, 0, $"{source}->{destination}");
        Assert.That(float.IsNegative(actual[1]), Is.True, "-0 keeps its sign");
    }

    [TestCase(DType.F16)]
    [TestCase(DType.BF16)]
    [TestCase(DType.F8E4M3)]
    public void Copy_RoundsHalfwayValuesToTheEvenCode(DType destination)
    {
        var codes = HalfwayCodes(destination);
        var midpoints = codes.Select(code => (float)((DecodeCode(destination, code) + DecodeCode(destination, code + 1)) / 2)).ToArray();
        using var src = Upload(DType.F32, midpoints, midpoints.Length);
        using var dst = QrtTensor.Empty(destination, [midpoints.Length]);

        Qrt.Runtime.Ops.Copy(Stream, src, dst);

        var expected = codes.Select(code => (code & 1) == 0 ? code : code + 1).ToArray();
        Assert.That(RawCodes(dst), Is.EqualTo(expected), "each midpoint between codes c and c+1 goes to the even one");
    }

    [TestCase(DType.F32)]
    [TestCase(DType.F16)]
    [TestCase(DType.BF16)]
    public void Copy_SaturatesToFp8Max_BeyondItsRange(DType source)
    {
        float[] large = [448f, 449f, 463.9f, 464f, 479f, 480f, 1000f, 65504f, 1e30f, float.PositiveInfinity];
        var values = Stored(source, [.. large, .. large.Select(v => -v)]);
        using var src = Upload(source, values, values.Length);
        using var dst = QrtTensor.Empty(DType.F8E4M3, [values.Length]);

        Qrt.Runtime.Ops.Copy(Stream, src, dst);

        Assert.That(Read(dst), Is.EqualTo(values.Select(v => 448f * MathF.Sign(v)).ToArray()), "every |x| >= 448 saturates to ±448, never NaN");
    }

    [TestCase(DType.I8, new long[] { 33 })]
    [TestCase(DType.U8, new long[] { 3, 17 })]
    [TestCase(DType.I32, new long[] { 7, 127 })]
    [TestCase(DType.I64, new long[] { 1, 3, 33 })]
    public void Copy_CopiesIntegerBitsExactly_ToTheSameDType(DType dtype, long[] shape)
    {
        var bytes = new TestData(7).Integers(Count(shape) * dtype.ElementSize(), 0, 255).Select(b => (byte)b).ToArray();
        using var typed = RetypedCopy(bytes, dtype, shape);
        using var dst = QrtTensor.Zeros(dtype, shape);

        Qrt.Runtime.Ops.Copy(Stream, typed, dst);

        Assert.That(AsBytes(dst), Is.EqualTo(bytes));
    }

    [TestCase(DType.F32, DType.BF16)]
    [TestCase(DType.BF16, DType.F32)]
    [TestCase(DType.F16, DType.F8E4M3)]
    [TestCase(DType.BF16, DType.BF16)]
    public void Copy_GathersATransposedView(DType source, DType destination)
    {
        const int Rows = 7, Cols = 17;
        var values = Stored(source, new TestData(3).Normal(Rows * Cols));
        using var src = Upload(source, values, Rows, Cols);
        using var transposed = src.View([Cols, Rows], [1, Cols]);
        using var dst = QrtTensor.Empty(destination, [Cols, Rows]);

        Qrt.Runtime.Ops.Copy(Stream, transposed, dst);

        var expected = new double[Rows * Cols];
        for (var c = 0; c < Cols; c++)
        {
            for (var r = 0; r < Rows; r++)
            {
                expected[(c * Rows) + r] = NumberFormats.RoundTo(destination, values[(r * Cols) + c]);
            }
        }

        // Exact: a strided read changes where values come from, not how they round.
        Tolerance.AssertClose(Read(dst), expected, 0, 0, "transposed copy");
    }

    [TestCase(DType.F32, DType.BF16)]
    [TestCase(DType.BF16, DType.F32)]
    [TestCase(DType.F32, DType.F32)]
    public void Copy_ScattersIntoAColumnBlock_AndLeavesTheRestAlone(DType source, DType destination)
    {
        const int Rows = 3, Width = 33, First = 5, Cols = 17;
        var values = Stored(source, new TestData(5).Normal(Rows * Cols));
        var background = Stored(destination, new TestData(6).Normal(Rows * Width));
        using var src = Upload(source, values, Rows, Cols);
        using var wide = Upload(destination, background, Rows, Width);
        using var block = wide.Slice(1, First, Cols);

        Qrt.Runtime.Ops.Copy(Stream, src, block);

        var expected = Widen(background);
        for (var r = 0; r < Rows; r++)
        {
            for (var c = 0; c < Cols; c++)
            {
                expected[(r * Width) + First + c] = NumberFormats.RoundTo(destination, values[(r * Cols) + c]);
            }
        }

        // Exact: the block gets the rounded values, the columns around it keep their bits.
        Tolerance.AssertClose(Read(wide), expected, 0, 0, "wide tensor after the block copy");
    }

    [TestCase(DType.I32)]
    [TestCase(DType.I64)]
    public void Copy_CopiesIntegersThroughStridedViews(DType dtype)
    {
        const int Rows = 5, Cols = 7;
        var ids = new TestData(9).Integers(Rows * Cols, int.MinValue, int.MaxValue);
        using var src = dtype == DType.I32
            ? QrtTensor.FromData<int>(ids, DType.I32, [Rows, Cols])
            : QrtTensor.FromData<long>(ids.Select(v => ((long)v << 20) + v).ToArray(), DType.I64, [Rows, Cols]);
        using var transposed = src.View([Cols, Rows], [1, Cols]);
        using var dst = QrtTensor.Zeros(dtype, [Cols, Rows]);

        Qrt.Runtime.Ops.Copy(Stream, transposed, dst);

        var expected = Enumerable.Range(0, Rows * Cols).Select(i => ids[((i % Rows) * Cols) + (i / Rows)]).ToArray();
        if (dtype == DType.I32)
        {
            Assert.That(dst.ToArray<int>(), Is.EqualTo(expected));
        }
        else
        {
            Assert.That(dst.ToArray<long>(), Is.EqualTo(expected.Select(v => ((long)v << 20) + v).ToArray()));
        }
    }

    [Test]
    public void Copy_AcceptsTheArguments_ThatEachBadArgumentCaseChanges() =>
        Assert.That(() => Invoke(ValidArguments), Throws.Nothing);

    [TestCaseSource(nameof(BadArguments))]
    public void Copy_Refuses(BadArgument<Call> bad)
    {
        AssertRejected(() => Invoke(bad.Change(ValidArguments)), "qrt_copy", bad.Argument);

        AssertAValidCopySucceeds();
    }

    [Test]
    public void Copy_RefusesOverlappingTensors_ButAcceptsATensorOntoItself()
    {
        using var buffer = Upload(DType.F32, new TestData(1).Normal(32), 32);
        using var front = buffer.Slice(0, 0, 17);
        using var back = buffer.Slice(0, 8, 17);

        AssertRejected(() => Qrt.Runtime.Ops.Copy(Stream, front, back), "qrt_copy", "dst");

        var before = Read(buffer);
        Qrt.Runtime.Ops.Copy(Stream, front, front);
        Assert.That(Read(buffer), Is.EqualTo(before), "a copy of a tensor onto itself changes nothing");
    }

    [Test]
    public void Copy_ThrowsObjectDisposed_ForADisposedTensor()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.Throws<ObjectDisposedException>(() => Invoke(ValidArguments with { Src = ValidArguments.Src.Disposed() }));
            Assert.Throws<ObjectDisposedException>(() => Invoke(ValidArguments with { Dst = ValidArguments.Dst.Disposed() }));
        }

        AssertAValidCopySucceeds();
    }

    private static int[] HalfwayCodes(DType dtype)
    {
        // Positive finite codes whose successor is finite too: normal and subnormal, across the whole range.
        var last = dtype switch
        {
            DType.F16 => 0x7BFE,
            DType.BF16 => 0x7F7E,
            _ => 0x7D,
        };
        var data = new TestData(17);
        return [0, 1, 2, 3, 4, 5, 6, 7, 8, last - 1, last, .. data.Integers(97, 0, last)];
    }

    private static double DecodeCode(DType dtype, int code) => dtype switch
    {
        DType.F16 => (double)BitConverter.UInt16BitsToHalf((ushort)code),
        DType.BF16 => NumberFormats.Bf16ToFloat((ushort)code),
        _ => NumberFormats.Fp8ToFloat((byte)code),
    };

    private static int[] RawCodes(QrtTensor tensor) => tensor.DType == DType.F8E4M3
        ? tensor.ToArray<byte>().Select(b => (int)b).ToArray()
        : tensor.ToArray<ushort>().Select(b => (int)b).ToArray();

    private static QrtTensor RetypedCopy(byte[] bytes, DType dtype, long[] shape) => dtype switch
    {
        DType.I8 => QrtTensor.FromData<sbyte>(bytes.Select(b => unchecked((sbyte)b)).ToArray(), dtype, shape),
        DType.U8 => QrtTensor.FromData<byte>(bytes, dtype, shape),
        DType.I32 => QrtTensor.FromData<int>(MemoryMarshal.Cast<byte, int>(bytes).ToArray(), dtype, shape),
        _ => QrtTensor.FromData<long>(MemoryMarshal.Cast<byte, long>(bytes).ToArray(), dtype, shape),
    };

    private static byte[] AsBytes(QrtTensor tensor) => tensor.DType switch
    {
        DType.I8 => tensor.ToArray<sbyte>().Select(b => unchecked((byte)b)).ToArray(),
        DType.U8 => tensor.ToArray<byte>(),
        DType.I32 => MemoryMarshal.AsBytes<int>(tensor.ToArray<int>()).ToArray(),
        _ => MemoryMarshal.AsBytes<long>(tensor.ToArray<long>()).ToArray(),
    };

    private void AssertAValidCopySucceeds()
    {
        float[] values = [1.5f, -2.25f, 3.0078125f];
        using var src = Upload(DType.F32, values, 3);
        using var dst = QrtTensor.Empty(DType.BF16, [3]);
        Qrt.Runtime.Ops.Copy(Stream, src, dst);
        Assert.That(Read(dst), Is.EqualTo(new[] { 1.5f, -2.25f, 3.0f }), "a valid copy on the same stream after the failure");
    }

    private void Invoke(Call c)
    {
        using var tensors = new TensorScope();
        Qrt.Runtime.Ops.Copy(Stream, tensors.Make(c.Src), tensors.Make(c.Dst));
    }

    internal sealed record Call(TensorSpec Src, TensorSpec Dst);
}
