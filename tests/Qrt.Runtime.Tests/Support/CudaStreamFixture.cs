namespace Qrt.Runtime.Tests.Support;

/// <summary>
/// A base for tests on cuda:0 (a GPU, or the emulated one of a QRT_CUDA=EMULATE build): one stream per fixture.
/// Without a CUDA device every test of the fixture is reported ignored with the backend's reason — or fails where
/// QRT_REQUIRE_CUDA_DEVICE=1, as in CI's emulation run, where a missing device is a broken build, not a skip.
/// </summary>
internal abstract class CudaStreamFixture
{
    private QrtStream? _stream;

    /// <summary>The device the fixture's tests run on.</summary>
    protected static Device Gpu => Device.Cuda(0);

    /// <summary>The stream every test in the fixture runs its device ops on.</summary>
    protected QrtStream Stream => _stream ?? throw new InvalidOperationException("the fixture has no CUDA stream");

    [OneTimeSetUp]
    public void CreateStream()
    {
        RequireCudaDevice();
        _stream = new QrtStream(Gpu);
    }

    [OneTimeTearDown]
    public void DisposeStream() => _stream?.Dispose();

    /// <summary>Ignores the calling test (or fixture) when libqrt has no CUDA device, saying why.</summary>
    public static void RequireCudaDevice()
    {
        var backend = Devices.GetBackendInfo(Backend.Cuda);
        if (backend.DeviceCount > 0)
        {
            return;
        }

        var reason = backend.Compiled ? $"no CUDA device: {backend.Detail}" : $"libqrt was built without CUDA: {backend.Detail}";
        if (Environment.GetEnvironmentVariable("QRT_REQUIRE_CUDA_DEVICE") == "1")
        {
            Assert.Fail($"QRT_REQUIRE_CUDA_DEVICE=1 but {reason}");
        }

        Assert.Ignore(reason);
    }
}
