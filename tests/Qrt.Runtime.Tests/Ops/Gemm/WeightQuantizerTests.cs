using NUnit.Framework;
using Qrt.Runtime.Tests.Reference;
using Qrt.Runtime.Tests.Support;

namespace Qrt.Runtime.Tests.Ops.Gemm;

[TestFixture]
internal sealed class WeightQuantizerTests
{
    // Rows and columns that fill no whole word: 13 % 8 and 203 % 8, 203 % 32, 203 % 128 are all nonzero.
    private const int Rows = 13;
    private const int Cols = 203;

    public static IEnumerable<TestCaseData> PackedLayouts() =>
        from bits in new[] { 4, 8 }
        from groupSize in new[] { 0, 32, 64, 128 }
        from symmetric in new[] { true, false }
        select new TestCaseData(bits, groupSize, symmetric);

    [TestCase(4, 5, 19)]
    [TestCase(8, 5, 19)]
    [TestCase(4, 1, 1)]
    [TestCase(8, 3, 8)]
    public void PackRows_MatchesTheReferencePacker(int bits, int rows, int cols)
    {
        var q = new TestData(TensorCodec.Seed(bits, rows, cols)).Integers(rows * cols, -(1 << (bits - 1)), (1 << (bits - 1)) - 1);

        Assert.That(WeightQuantizer.PackRows(q, rows, cols, bits), Is.EqualTo(PackedIntReference.PackAlongRows(q, rows, cols, bits)));
    }

    [TestCase(4, 13, 3)]
    [TestCase(8, 13, 3)]
    [TestCase(4, 1, 1)]
    [TestCase(8, 8, 2)]
    public void PackColumns_MatchesTheReferencePacker(int bits, int rows, int cols)
    {
        var q = new TestData(TensorCodec.Seed(bits, rows, cols, 1)).Integers(rows * cols, -(1 << (bits - 1)), (1 << (bits - 1)) - 1);

        Assert.That(WeightQuantizer.PackColumns(q, rows, cols, bits), Is.EqualTo(PackedIntReference.PackAlongColumns(q, rows, cols, bits)));
    }

    [TestCaseSource(nameof(PackedLayouts))]
    public void QuantizePacked_RoundTripsWithinHalfAStep_PerGroup(int bits, int groupSize, bool symmetric)
    {
        var w = new TestData(TensorCodec.Seed(bits, groupSize, symmetric ? 1 : 0)).Normal(Rows * Cols, 0.05);
        var groups = groupSize == 0 ? 1 : (Cols + groupSize - 1) / groupSize;
        var qmax = (1 << (bits - 1)) - 1;

        using var weight = WeightQuantizer.QuantizePacked(w, Rows, Cols, bits, groupSize, symmetric);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(weight.Packed.Shape.ToArray(), Is.EqualTo(new long[] { Rows, PackedIntReference.WordCount(Cols, bits) }));
            Assert.That(weight.Packed.DType, Is.EqualTo(DType.I32));
            Assert.That(weight.Scale.Shape.ToArray(), Is.EqualTo(new long[] { Rows, groups }));
            Assert.That(weight.ZeroPoint?.Shape.ToArray(), symmetric ? Is.Null : Is.EqualTo(new long[] { PackedIntReference.WordCount(Rows, bits), groups }));
            Assert.That(weight.GroupIndex, Is.Null);
            Assert.That(weight.Bits, Is.EqualTo(bits));
            Assert.That(weight.GroupSize, Is.EqualTo(groupSize));
            Assert.That(weight.OutFeatures, Is.EqualTo(Rows));
        }

        var packed = weight.Packed.ToArray<int>();
        var scales = TensorBits.Read(weight.Scale);
        var zeros = weight.ZeroPoint?.ToArray<int>();
        var dequantized = PackedIntReference.Dequantize(packed, scales, zeros, null, Rows, Cols, bits, groupSize);
        var bound = new double[Rows * Cols];
        var expectedScales = new float[Rows * groups];
        for (var r = 0; r < Rows; r++)
        {
            for (var g = 0; g < groups; g++)
            {
                var begin = groupSize == 0 ? 0 : g * groupSize;
                var end = groupSize == 0 ? Cols : Math.Min(Cols, begin + groupSize);
                expectedScales[(r * groups) + g] = w.Skip((r * Cols) + begin).Take(end - begin).Max(MathF.Abs) / qmax;
                for (var c = begin; c < end; c++)
                {
                    // Half a step, plus the FP32 rounding of w / s (at most 2^-24·2^bits steps) that can tip a near-tie.
                    bound[(r * Cols) + c] = scales[(r * groups) + g] * (0.5 + Math.Pow(2, bits - 24));
                }
            }
        }

        AssertWithin(w, dequantized, bound, "dequantized weight");
        if (symmetric)
        {
            Assert.That(scales, Is.EqualTo(expectedScales), "symmetric scales are max|w| / qmax per group");
        }
        else
        {
            var qmin = -(1 << (bits - 1));
            var zeroValues = Enumerable.Range(0, Rows * groups).Select(i => PackedIntReference.UnpackAlongColumns(zeros!, groups, bits, i / groups, i % groups));
            Assert.That(zeroValues, Is.All.InRange(qmin, qmax), "zero points");
        }
    }

    [Test]
    public void QuantizePacked_RejectsUnsupportedBitWidths()
    {
        var w = new float[8];
        Assert.Throws<ArgumentOutOfRangeException>(() => WeightQuantizer.QuantizePacked(w, 1, 8, 3, 0, true));
    }

    [TestCase(1, 1)]
    [TestCase(13, 203)]
    [TestCase(7, 64)]
    public void QuantizeInt8PerChannel_RoundTripsWithinHalfAStep(int rows, int cols)
    {
        var w = new TestData(TensorCodec.Seed(rows, cols, 8)).Normal(rows * cols, 0.05);
        w[0] = 0;

        var quantized = WeightQuantizer.QuantizeInt8PerChannel(w, rows, cols);
        using var weight = quantized.Weight;
        using var scale = quantized.Scale;

        var codes = weight.ToArray<sbyte>();
        var scales = scale.ToArray<float>();
        var bound = new double[rows * cols];
        var dequantized = new double[rows * cols];
        var expectedScales = new float[rows];
        for (var r = 0; r < rows; r++)
        {
            expectedScales[r] = w.Skip(r * cols).Take(cols).Max(MathF.Abs) / 127f;
            for (var c = 0; c < cols; c++)
            {
                dequantized[(r * cols) + c] = codes[(r * cols) + c] * (double)scales[r];
                // Half a step, plus the FP32 rounding of w / s (at most 2^-24·127 steps) that can tip a near-tie.
                bound[(r * cols) + c] = scales[r] * (0.5 + (127 * GemmReference.Fp32Unit));
            }
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(weight.DType, Is.EqualTo(DType.I8));
            Assert.That(weight.Shape.ToArray(), Is.EqualTo(new long[] { rows, cols }));
            Assert.That(scale.Shape.ToArray(), Is.EqualTo(new long[] { rows }));
            Assert.That(scales, Is.EqualTo(expectedScales), "scales are max|w| / 127 per row");
        }

        AssertWithin(w, dequantized, bound, "dequantized weight");
    }

    [TestCase(13, 203, true)]
    [TestCase(13, 203, false)]
    [TestCase(1, 1, true)]
    [TestCase(4, 33, false)]
    public void QuantizeFp8_GivesTheNearestCodesOfWOverScale(int rows, int cols, bool perChannel)
    {
        var w = new TestData(TensorCodec.Seed(rows, cols, perChannel ? 1 : 0, 9)).Normal(rows * cols, 0.05);
        w[0] = 0;

        var quantized = WeightQuantizer.QuantizeFp8(w, rows, cols, perChannel);
        using var weight = quantized.Weight;
        using var scale = quantized.Scale;

        var scales = scale.ToArray<float>();
        var expectedScales = perChannel
            ? Enumerable.Range(0, rows).Select(r => w.Skip(r * cols).Take(cols).Max(MathF.Abs) / 448f).ToArray()
            : [w.Max(MathF.Abs) / 448f];
        var expectedCodes = w.Select((v, i) => ExpectedFp8Code(v, expectedScales[perChannel ? i / cols : 0])).ToArray();
        var codes = weight.ToArray<byte>();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(weight.DType, Is.EqualTo(DType.F8E4M3));
            Assert.That(weight.Shape.ToArray(), Is.EqualTo(new long[] { rows, cols }));
            Assert.That(scales, Is.EqualTo(expectedScales), "scales are max|w| / 448");
            Assert.That(codes, Is.EqualTo(expectedCodes), "codes");
        }

        var dequantized = new double[rows * cols];
        var bound = new double[rows * cols];
        for (var i = 0; i < w.Length; i++)
        {
            var s = scales[perChannel ? i / cols : 0];
            var quotient = s == 0 ? 0 : Math.Abs(w[i] / (double)s);
            dequantized[i] = NumberFormats.Fp8ToFloat(codes[i]) * (double)s;
            // Half an e4m3 step of w / s (2^-4 of it when normal, 2^-10 when subnormal) plus the FP32 rounding of w / s.
            bound[i] = s * (Math.Max(Math.Pow(2, -4) * quotient, Math.Pow(2, -10)) + (2 * GemmReference.Fp32Unit * quotient));
        }

        AssertWithin(w, dequantized, bound, "dequantized weight");
    }

    // An all-zero row has scale 0 and codes 0, where w / s would be NaN.
    private static byte ExpectedFp8Code(float w, float scale) => scale == 0 ? (byte)0 : NumberFormats.FloatToFp8(w / scale);

    private static void AssertWithin(float[] original, double[] dequantized, double[] bound, string what)
    {
        var bad = Enumerable.Range(0, original.Length).Where(i => Math.Abs(original[i] - dequantized[i]) > bound[i]).ToArray();
        Assert.That(
            bad,
            Is.Empty,
            () => bad.Length == 0 ? string.Empty : $"{what}: {bad.Length} values off by more than their bound; first at {bad[0]}: {original[bad[0]]:G9} became {dequantized[bad[0]]:G9} (bound {bound[bad[0]]:G3})");
    }
}
