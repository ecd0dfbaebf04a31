using Qrt.Runtime.Interop;
using Qrt.Runtime.Tests.Support;

namespace Qrt.Runtime.Tests.Cuda;

/// <summary>cuda:0 as the managed API sees it: its description, tensors on it, copies in and out and across it.</summary>
[TestFixture]
internal sealed class CudaTensorTests : CudaStreamFixture
{
    [Test]
    public void Device_IsDescribed()
    {
        var info = Devices.GetInfo(Gpu);
        var backend = Devices.GetBackendInfo(Backend.Cuda);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(info.Name, Is.Not.Empty.And.Not.Contain("\0"));
            Assert.That(info.ComputeCapability, Is.GreaterThanOrEqualTo(new Version(7, 0)));
            Assert.That(info.MultiprocessorCount, Is.GreaterThan(0));
            Assert.That(info.FreeMemoryBytes, Is.InRange(1UL, info.TotalMemoryBytes));
            Assert.That(backend.Compiled, Is.True);
            if (backend.Detail.Contains("emulator", StringComparison.Ordinal))
            {
                // The emulated device is an H100: sm_90, 132 SMs, named as what it is.
                Assert.That(info.Name, Does.Contain("emulated").And.Contain("sm_90"));
                Assert.That(info.ComputeCapability, Is.EqualTo(new Version(9, 0)));
                Assert.That(info.MultiprocessorCount, Is.EqualTo(132));
                Assert.That(backend.Detail, Does.Contain("QRT_EMULATOR_MEMORY"));
            }
        }
    }

    [TestCase(DType.F32)]
    [TestCase(DType.BF16)]
    [TestCase(DType.F16)]
    [TestCase(DType.F8E4M3)]
    [TestCase(DType.I8)]
    [TestCase(DType.I32)]
    public void Tensor_RoundTripsThroughTheDevice_BitForBit(DType dtype)
    {
        switch (dtype.ElementSize())
        {
            case 4: RoundTrip<uint>(dtype, i => (uint)(i * 2654435761L)); break;
            case 2: RoundTrip<ushort>(dtype, i => (ushort)(i * 40503)); break;
            default: RoundTrip<byte>(dtype, i => (byte)(i * 167)); break;
        }
    }

    [Test]
    public void Zeros_OnTheDevice_AreZeroBytes()
    {
        using var zeros = QrtTensor.Zeros(DType.F32, [37, 5], Gpu);

        Assert.That(zeros.ToArray<uint>(), Is.All.EqualTo(0u));
    }

    [Test]
    public void DeviceToDeviceCopy_AndSlices_KeepEveryValue()
    {
        var values = new TestData(3).Normal(6 * 10);
        using var original = QrtTensor.FromData<float>(values, DType.F32, [6, 10], Gpu);
        using var copy = original.Clone();
        using var rows = copy.Slice(0, 2, 3);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(copy.Device, Is.EqualTo(Gpu));
            Assert.That(copy.DataPointer, Is.Not.EqualTo(original.DataPointer));
            Assert.That(copy.ToArray<float>(), Is.EqualTo(values));
            Assert.That(rows.ToArray<float>(), Is.EqualTo(values[20..50]));
            Assert.That(rows.To(Device.Cpu).ToFloats(), Is.EqualTo(values[20..50]));
        }
    }

    [Test]
    public void Allocation_BeyondTheDevicesMemory_ThrowsOutOfMemory_AndTheDeviceStaysUsable()
    {
        var error = Assert.Throws<QrtException>(() => QrtTensor.Empty(DType.F32, [1L << 40], Gpu).Dispose());

        Assert.That(error!.Status, Is.EqualTo(QrtStatus.OutOfMemory));
        Assert.That(error.Message, Does.Contain("bytes free"));
        RoundTrip<uint>(DType.I32, i => (uint)i);
    }

    [Test]
    public void CpuTensor_OnACudaStream_IsRefusedByName()
    {
        using var x = QrtTensor.Zeros(DType.F32, [4, 4]);
        using var w = QrtTensor.Zeros(DType.F32, [4]);

        var error = Assert.Throws<QrtException>(() => Qrt.Runtime.Ops.RmsNorm(Stream, x, w, 1e-5f, x));

        Assert.That(error!.Status, Is.EqualTo(QrtStatus.InvalidArgument));
        Assert.That(error.Message, Does.Contain("'x'"));
    }

    private static void RoundTrip<T>(DType dtype, Func<int, T> element)
        where T : unmanaged
    {
        var data = Enumerable.Range(0, 3 * 1002).Select(element).ToArray();
        using var device = QrtTensor.FromData<T>(data, dtype, [3, 1002], Gpu);
        using var back = device.To(Device.Cpu);

        Assert.That(device.Device, Is.EqualTo(Gpu));
        Assert.That(back.ToArray<T>(), Is.EqualTo(data), $"{dtype} through cuda:0");
    }
}
