namespace Qrt.Runtime.Tests.Support;

/// <summary>A base for op tests: one CPU stream per fixture, disposed after the fixture's tests.</summary>
internal abstract class CpuStreamFixture
{
    /// <summary>The stream every test in the fixture runs its ops on.</summary>
    protected QrtStream Stream { get; private set; } = null!;

    [OneTimeSetUp]
    public void CreateStream() => Stream = new QrtStream(Device.Cpu);

    [OneTimeTearDown]
    public void DisposeStream() => Stream.Dispose();
}
