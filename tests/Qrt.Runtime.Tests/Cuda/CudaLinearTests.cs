using NUnit.Framework;
using Qrt.Runtime.Layers;
using Qrt.Runtime.Tests.Ops.Gemm;
using Qrt.Runtime.Tests.Support;

namespace Qrt.Runtime.Tests.Cuda;

/// <summary>
/// The linear layers with their weights on the CUDA device, against the same layers on the CPU. The W8A8 INT8 layer
/// must give the same bits: its activation codes and scales are the CPU's bit for bit, its integer sums are exact, and
/// its epilogue rounds the same FP32 operations in the same order. The FP8 and 16-bit layers accumulate in FP32 in
/// another order than the CPU: each result lies within GemmReference.Fp32Bound of the exact value, so the two lie
/// within twice that bound of each other.
/// </summary>
[TestFixture]
internal sealed class CudaLinearTests : CudaStreamFixture
{
    private const int In = 96;
    private const int Out = 40;

    public static IEnumerable<TestCaseData> Int8Cases() =>
        from rows in new[] { 1, 7, 33 }
        from input in new[] { "dynamic", "static", "static asym" }
        from xType in new[] { DType.F32, DType.BF16 }
        from yType in new[] { DType.F32, DType.BF16 }
        select new TestCaseData(rows, input, xType, yType);

    public static IEnumerable<TestCaseData> Fp8Cases() =>
        from rows in new[] { 1, 7, 33 }
        from staticInput in new[] { false, true }
        from perChannel in new[] { false, true }
        select new TestCaseData(rows, staticInput, perChannel);

    [TestCaseSource(nameof(Int8Cases))]
    public void Int8Linear_OnTheDevice_GivesTheCpuBits(int rows, string input, DType xType, DType yType)
    {
        var data = new TestData(TensorCodec.Seed(rows, input.Length, (int)xType, (int)yType, 21));
        var x = TensorCodec.Values(data, xType, rows * In, -3f, 3f);
        var bias = TensorCodec.Values(data, DType.F32, Out);
        var (weight, scale) = WeightQuantizer.QuantizeInt8PerChannel(data.Normal(Out * In, 0.05), Out, In);
        ILinear Build(Device device) => new Int8Linear(
            weight.To(device),
            scale.To(device),
            input == "dynamic" ? null : TensorBits.Upload(DType.F32, [0.021f], 1).To(device),
            input == "static asym" ? QrtTensor.FromData<int>([-7], DType.I32, [1], device) : null,
            TensorBits.Upload(DType.F32, bias, Out).To(device));
        using (weight)
        using (scale)
        {
            var (cpu, gpu) = RunOnBoth(Build, xType, x, rows, yType);
            Assert.That(gpu, Is.EqualTo(cpu), $"{input}, {rows} rows");
        }
    }

    [TestCaseSource(nameof(Fp8Cases))]
    public void Fp8Linear_OnTheDevice_MatchesTheCpu(int rows, bool staticInput, bool perChannel)
    {
        var data = new TestData(TensorCodec.Seed(rows, staticInput ? 1 : 0, perChannel ? 1 : 0, 22));
        var x = TensorCodec.Values(data, DType.BF16, rows * In, -3f, 3f);
        const float inputScale = 0.0075f;
        var (weight, scale) = WeightQuantizer.QuantizeFp8(data.Normal(Out * In, 0.05), Out, In, perChannel);
        var (codes, rowScales) = staticInput
            ? (ActivationQuantReference.Fp8Static(x, inputScale), [inputScale])
            : ActivationQuantReference.Fp8Dynamic(x, rows, In);
        var expected = GemmReference.Linear(
            ActivationQuantReference.Decode(codes), ActivationQuantReference.Decode(weight.ToArray<byte>()), rows, Out, In,
            rowScale: rowScales.AsDoubles(), colScale: scale.ToArray<float>().AsDoubles());
        ILinear Build(Device device) => new Fp8Linear(
            weight.To(device), scale.To(device), staticInput ? TensorBits.Upload(DType.F32, [inputScale], 1).To(device) : null);
        using (weight)
        using (scale)
        {
            var (cpu, gpu) = RunOnBoth(Build, DType.BF16, x, rows, DType.BF16);
            // Exact FP8 products accumulated over In, then the scale product and the scaling (2 roundings), then BF16.
            AssertWithinTwiceTheBound(gpu, cpu, In, 2, expected.Magnitude, DType.BF16);
        }
    }

    [TestCase(1)]
    [TestCase(33)]
    public void Fp8WeightOnlyLinear_OnTheDevice_MatchesTheCpu(int rows)
    {
        var data = new TestData(TensorCodec.Seed(rows, 23));
        var x = TensorCodec.Values(data, DType.BF16, rows * In);
        var (weight, scale) = WeightQuantizer.QuantizeFp8(data.Normal(Out * In, 0.05), Out, In, perChannel: true);
        var expected = GemmReference.Linear(
            x.AsDoubles(), ActivationQuantReference.Decode(weight.ToArray<byte>()), rows, Out, In, colScale: scale.ToArray<float>().AsDoubles());
        ILinear Build(Device device) => new Fp8WeightOnlyLinear(weight.To(device), scale.To(device));
        using (weight)
        using (scale)
        {
            var (cpu, gpu) = RunOnBoth(Build, DType.BF16, x, rows, DType.BF16);
            // FP32 accumulation over In products, then the weight scaling, then BF16.
            AssertWithinTwiceTheBound(gpu, cpu, In, 1, expected.Magnitude, DType.BF16);
        }
    }

    [TestCase(1, DType.BF16)]
    [TestCase(33, DType.BF16)]
    [TestCase(7, DType.F16)]
    public void DenseLinear_OnTheDevice_MatchesTheCpu(int rows, DType dtype)
    {
        var data = new TestData(TensorCodec.Seed(rows, (int)dtype, 24));
        var x = TensorCodec.Values(data, dtype, rows * In);
        var w = TensorCodec.Values(data, dtype, Out * In);
        var bias = TensorCodec.Values(data, dtype, Out);
        var expected = GemmReference.Linear(x.AsDoubles(), w.AsDoubles(), rows, Out, In, bias.AsDoubles());
        ILinear Build(Device device) => new DenseLinear(TensorBits.Upload(dtype, w, Out, In).To(device), TensorBits.Upload(dtype, bias, Out).To(device));
        var (cpu, gpu) = RunOnBoth(Build, dtype, x, rows, DType.F32);
        // FP32 accumulation over In products and the bias add.
        AssertWithinTwiceTheBound(gpu, cpu, In, 1, expected.Magnitude, DType.F32);
    }

    public static IEnumerable<TestCaseData> PackedCases() =>
        from rows in new[] { 1, 7, 33 }
        from groupSize in new[] { 128, 32, 0 }
        from symmetric in new[] { true, false }
        select new TestCaseData(rows, groupSize, symmetric, false);

    public static IEnumerable<TestCaseData> ActOrderCases() =>
        from rows in new[] { 1, 17 }
        from groupSize in new[] { 128, 32 }
        select new TestCaseData(rows, groupSize, false, true);

    [TestCaseSource(nameof(PackedCases))]
    [TestCaseSource(nameof(ActOrderCases))]
    public void PackedIntLinear_W4A16_RepackedOnTheDevice_MatchesTheCpu(int rows, int groupSize, bool symmetric, bool activationOrdered)
    {
        const int packedOut = 128;
        const int packedIn = 256;
        var data = new TestData(TensorCodec.Seed(rows, groupSize, symmetric ? 1 : 0, activationOrdered ? 1 : 0, 25));
        var x = TensorCodec.Values(data, DType.BF16, rows * packedIn);
        var quantized = QuantizeW4(data, packedOut, packedIn, groupSize, symmetric, activationOrdered);
        var expected = GemmReference.Linear(x.AsDoubles(), quantized.Decoded, rows, packedOut, packedIn);
        using var cpuLayer = PackedIntLinear.Create(quantized.Upload(Device.Cpu), packedIn);
        using var gpuLayer = PackedIntLinear.Create(quantized.Upload(Gpu), packedIn);
        using var xCpu = TensorBits.Upload(DType.BF16, x, rows, packedIn);
        using var yCpu = QrtTensor.Empty(DType.BF16, [rows, packedOut]);
        using (var cpu = new QrtStream(Device.Cpu))
        {
            cpuLayer.Forward(cpu, xCpu, yCpu);
        }

        using var xGpu = xCpu.To(Gpu);
        using var yGpu = QrtTensor.Empty(DType.BF16, [rows, packedOut], Gpu);
        gpuLayer.Forward(Stream, xGpu, yGpu);
        gpuLayer.Forward(Stream, xGpu, yGpu);
        using var result = yGpu.To(Device.Cpu);

        Assert.That(gpuLayer.Scheme, Is.EqualTo(cpuLayer.Scheme));
        // Both dequantize every weight to the same FP32 value (n − z)·s and sum In products in FP32, in another order.
        AssertWithinTwiceTheBound(TensorBits.Read(result), TensorBits.Read(yCpu), packedIn, 1, expected.Magnitude, DType.BF16);
    }

    [Test]
    public void PackedIntLinear_EightBitWeightOnTheDevice_IsRefusedByName()
    {
        using var weight = WeightQuantizer.QuantizePacked(new float[64 * 64], 64, 64, bits: 8, groupSize: 32, symmetric: true, Gpu);

        var error = Assert.Throws<NotSupportedException>(() => PackedIntLinear.Create(weight, 64));

        Assert.That(error!.Message, Does.Contain("8-bit").And.Contain("cuda:0"));
    }

    /// <summary>
    /// A 4-bit weight with F32 scales: plain groups, or a GPTQ act-order group index (the columns in a random order of
    /// importance, g_idx[perm[i]] = i / groupSize), and its dequantized values (n − z)·s for the reference.
    /// </summary>
    private static QuantizedW4 QuantizeW4(TestData data, int rows, int cols, int groupSize, bool symmetric, bool activationOrdered)
    {
        int[]? groupIndex = null;
        if (activationOrdered)
        {
            var permutation = data.Permutation(cols);
            groupIndex = new int[cols];
            for (var i = 0; i < cols; i++)
            {
                groupIndex[permutation[i]] = i / groupSize;
            }
        }

        var codes = WeightQuantizer.QuantizePackedCodes(data.Normal(rows * cols, 0.05), rows, cols, 4, groupSize, symmetric, groupIndex);
        var packed = WeightQuantizer.PackRows(codes.Values, rows, cols, 4);
        var zeros = symmetric ? null : WeightQuantizer.PackColumns(codes.Zeros, rows, codes.Groups, 4);
        var decoded = PackedIntReference.Dequantize(packed, codes.Scales, zeros, groupIndex, rows, cols, 4, groupSize);
        return new QuantizedW4(packed, codes.Scales, zeros, groupIndex, rows, cols, codes.Groups, groupSize, decoded);
    }

    private sealed record QuantizedW4(
        int[] Packed, float[] Scales, int[]? Zeros, int[]? GroupIndex, int Rows, int Cols, int Groups, int GroupSize, double[] Decoded)
    {
        public PackedIntWeight Upload(Device device) => new(
            QrtTensor.FromData<int>(Packed, DType.I32, [Rows, Cols / 8], device),
            QrtTensor.FromData<float>(Scales, DType.F32, [Rows, Groups], device),
            Zeros is null ? null : QrtTensor.FromData<int>(Zeros, DType.I32, [Rows / 8, Groups], device),
            GroupIndex is null ? null : QrtTensor.FromData<int>(GroupIndex, DType.I32, [Cols], device),
            4,
            GroupSize);
    }

    /// <summary>
    /// y of the layer built on the CPU and of the layer built on the device, for the same x. Each device call runs
    /// twice, with a call of another shape between, so the stream's scratch memory is reused and regrown on the way.
    /// </summary>
    private (float[] Cpu, float[] Gpu) RunOnBoth(Func<Device, ILinear> build, DType xType, float[] x, int rows, DType yType)
    {
        using var cpuLayer = build(Device.Cpu);
        using var gpuLayer = build(Gpu);
        using var xCpu = TensorBits.Upload(xType, x, rows, In);
        using var yCpu = QrtTensor.Empty(yType, [rows, Out]);
        using (var cpu = new QrtStream(Device.Cpu))
        {
            cpuLayer.Forward(cpu, xCpu, yCpu);
        }

        using var xGpu = xCpu.To(Gpu);
        using var yGpu = QrtTensor.Empty(yType, [rows, Out], Gpu);
        using var other = QrtTensor.Zeros(xType, [rows + 5, In], Gpu);
        using var otherY = QrtTensor.Empty(yType, [rows + 5, Out], Gpu);
        gpuLayer.Forward(Stream, xGpu, yGpu);
        gpuLayer.Forward(Stream, other, otherY);
        gpuLayer.Forward(Stream, xGpu, yGpu);
        using var result = yGpu.To(Device.Cpu);
        return (TensorBits.Read(yCpu), TensorBits.Read(result));
    }

    private static void AssertWithinTwiceTheBound(float[] gpu, float[] cpu, int k, int extraRoundings, double magnitude, DType output)
    {
        var (atol, rtol) = GemmReference.Fp32Bound(k, extraRoundings, magnitude, output);
        Tolerance.AssertClose(gpu, cpu, 2 * atol, 2 * rtol, "device vs cpu");
    }
}
