using Qrt.Runtime.Interop;

namespace Qrt.Runtime.Tests.Runtime;

[TestFixture]
internal sealed class DeviceTests
{
    [Test]
    public void Cpu_IsPresent_WithANameThreadsAndMemory()
    {
        var info = Devices.GetInfo(Device.Cpu);
        var backend = Devices.GetBackendInfo(Backend.Cpu);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Devices.Count(Backend.Cpu), Is.EqualTo(1));
            Assert.That(Devices.All()[0], Is.EqualTo(Device.Cpu));
            Assert.That(info.Device, Is.EqualTo(Device.Cpu));
            Assert.That(info.Name, Is.Not.Empty.And.Not.Contain("\0"));
            Assert.That(info.ComputeCapability, Is.Null);
            Assert.That(info.MultiprocessorCount, Is.GreaterThanOrEqualTo(1));
            Assert.That(info.TotalMemoryBytes, Is.GreaterThan(1UL << 20));
            Assert.That(info.FreeMemoryBytes, Is.InRange(1UL, info.TotalMemoryBytes));
            Assert.That(backend.Compiled, Is.True);
            Assert.That(backend.DeviceCount, Is.EqualTo(1));
            Assert.That(backend.Detail, Is.Not.Empty);
        }
    }

    [Test]
    public void CudaBackend_ExplainsHowManyDevicesItHas()
    {
        var info = Devices.GetBackendInfo(Backend.Cuda);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(info.Backend, Is.EqualTo(Backend.Cuda));
            Assert.That(info.Detail, Is.Not.Empty, "a reason, whatever the count");
            Assert.That(info.DeviceCount, Is.EqualTo(Devices.Count(Backend.Cuda)));
            Assert.That(Devices.All(), Has.Count.EqualTo(1 + info.DeviceCount));
            if (!info.Compiled)
            {
                Assert.That(info.DeviceCount, Is.Zero, "a backend that is not compiled in has no devices");
                Assert.That(info.Detail, Does.Contain("CUDA"), "the detail says CUDA is missing from the build");
            }
        }
    }

    [Test]
    public void GetInfo_ThrowsBackendUnavailable_ForADeviceThatDoesNotExist()
    {
        var missingGpu = Device.Cuda(Devices.Count(Backend.Cuda));

        using (Assert.EnterMultipleScope())
        {
            var gpu = Assert.Throws<QrtException>(() => Devices.GetInfo(missingGpu));
            Assert.That(gpu!.Status, Is.EqualTo(QrtStatus.BackendUnavailable));
            Assert.That(gpu.Message, Does.StartWith("qrt_device_get_info:").And.Contain("'device'"));
            var secondCpu = Assert.Throws<QrtException>(() => Devices.GetInfo(new Device(Backend.Cpu, 1)));
            Assert.That(secondCpu!.Status, Is.EqualTo(QrtStatus.BackendUnavailable));
            var unknown = Assert.Throws<QrtException>(() => Devices.GetBackendInfo((Backend)7));
            Assert.That(unknown!.Status, Is.EqualTo(QrtStatus.InvalidArgument));
            Assert.That(unknown.Message, Does.StartWith("qrt_backend_get_info:").And.Contain("'backend'"));
        }
    }

    [Test]
    public void StreamOnCuda0_WithoutAGpu_ThrowsBackendUnavailable()
    {
        Assume.That(Devices.Count(Backend.Cuda), Is.Zero, "this machine has a CUDA device");

        var error = Assert.Throws<QrtException>(() => new QrtStream(Device.Cuda(0)).Dispose());

        using (Assert.EnterMultipleScope())
        {
            Assert.That(error!.Status, Is.EqualTo(QrtStatus.BackendUnavailable));
            Assert.That(error.Message, Does.StartWith("qrt_stream_create:").And.Contain("'device'").And.Contain("cuda:0"));
        }
    }

    [TestCase("cpu", Backend.Cpu, 0)]
    [TestCase("CPU", Backend.Cpu, 0)]
    [TestCase(" cpu:0 ", Backend.Cpu, 0)]
    [TestCase("cuda", Backend.Cuda, 0)]
    [TestCase("cuda:1", Backend.Cuda, 1)]
    [TestCase("Cuda:12", Backend.Cuda, 12)]
    public void Parse_ReadsADevice(string text, Backend backend, int ordinal)
    {
        var device = Device.Parse(text);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(device, Is.EqualTo(new Device(backend, ordinal)));
            Assert.That(Device.Parse(device.ToString()), Is.EqualTo(device), "ToString parses back");
        }
    }

    [TestCase("")]
    [TestCase("gpu")]
    [TestCase("cpu:1")]
    [TestCase("cuda:")]
    [TestCase("cuda:-1")]
    [TestCase("cuda:x")]
    [TestCase("cuda:1:2")]
    [TestCase("cuda 1")]
    public void Parse_RefusesAnythingElse(string text)
    {
        var error = Assert.Throws<FormatException>(() => Device.Parse(text));

        Assert.That(error!.Message, Does.Contain($"'{text}'"));
    }

    [Test]
    public void Parse_RefusesNull()
    {
        Assert.Throws<ArgumentNullException>(() => Device.Parse(null!));
    }

    [Test]
    public void ToString_WritesCpuAndCudaOrdinals()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Device.Cpu.ToString(), Is.EqualTo("cpu"));
            Assert.That(Device.Cuda(3).ToString(), Is.EqualTo("cuda:3"));
        }
    }
}
