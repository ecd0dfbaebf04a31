using NUnit.Framework;
using Qrt.Runtime.Tests.Support;

namespace Qrt.Runtime.Tests.Cuda;

/// <summary>
/// The grouped expert ops on the CUDA device against the same calls on the CPU. INT8 W8A8 and static quantization are
/// exact on both backends (integer sums with the CPU's FP32 epilogue in its order; one correctly rounded division per
/// element), so the device must give the CPU's bits, with zero-row experts among the segments.
/// </summary>
[TestFixture]
internal sealed class CudaGroupedGemmTests : CudaStreamFixture
{
    private const int K = 64;
    private const int N = 40;
    private const int E = 4;
    private const int R = 9;
    private static readonly int[] Offsets = [0, 4, 4, 9, 9];  // experts 1 and 3 have no rows

    [TestCase(true)]
    [TestCase(false)]
    public void GemmW8A8Int8Grouped_OnTheDevice_GivesTheCpuBits(bool perTokenScale)
    {
        var data = new TestData(perTokenScale ? 41 : 42);
        var a = data.Integers(R * K, -128, 127).Select(v => (sbyte)v).ToArray();
        var w = data.Integers(E * N * K, -128, 127).Select(v => (sbyte)v).ToArray();
        using var at = QrtTensor.FromData<sbyte>(a, DType.I8, [R, K]);
        using var ast = perTokenScale
            ? QrtTensor.FromData<float>(data.Uniform(R, 0.001f, 0.01f), DType.F32, [R, 1])
            : QrtTensor.FromData<float>(data.Uniform(E, 0.001f, 0.01f), DType.F32, [E]);
        using var wt = QrtTensor.FromData<sbyte>(w, DType.I8, [E, N, K]);
        using var wst = QrtTensor.FromData<float>(data.Uniform(E, 0.001f, 0.01f), DType.F32, [E]);
        using var bt = QrtTensor.FromData<float>(data.Uniform(E * N), DType.F32, [E, N]);
        using var offsets = QrtTensor.FromData<int>(Offsets, DType.I32, [E + 1]);

        float[] Run(QrtStream stream, Device device)
        {
            using var ad = at.To(device);
            using var asd = ast.To(device);
            using var wd = wt.To(device);
            using var wsd = wst.To(device);
            using var bd = bt.To(device);
            using var od = offsets.To(device);
            using var y = QrtTensor.Empty(DType.BF16, [R, N], device);
            Qrt.Runtime.Ops.GemmW8A8Int8Grouped(stream, ad, asd, null, wd, wsd, bd, od, y);
            using var result = y.To(Device.Cpu);
            return TensorBits.Read(result);
        }

        using var cpu = new QrtStream(Device.Cpu);
        Assert.That(Run(Stream, Gpu), Is.EqualTo(Run(cpu, Device.Cpu)));
    }

    [Test]
    public void QuantizeInt8Grouped_OnTheDevice_GivesTheCpuBits()
    {
        var data = new TestData(43);
        using var x = TensorBits.Upload(DType.BF16, data.Uniform(R * K, -3f, 3f), R, K);
        using var scales = QrtTensor.FromData<float>([0.004f, 0.02f, 0.5f, 0.0125f], DType.F32, [E]);
        using var zeroPoints = QrtTensor.FromData<int>([5, 0, -9, 17], DType.I32, [E]);
        using var offsets = QrtTensor.FromData<int>(Offsets, DType.I32, [E + 1]);

        sbyte[] Run(QrtStream stream, Device device)
        {
            using var xd = x.To(device);
            using var sd = scales.To(device);
            using var zd = zeroPoints.To(device);
            using var od = offsets.To(device);
            using var q = QrtTensor.Empty(DType.I8, [R, K], device);
            Qrt.Runtime.Ops.QuantizeInt8Grouped(stream, xd, sd, zd, od, q);
            using var result = q.To(Device.Cpu);
            return result.ToArray<sbyte>();
        }

        using var cpu = new QrtStream(Device.Cpu);
        Assert.That(Run(Stream, Gpu), Is.EqualTo(Run(cpu, Device.Cpu)));
    }
}
