using Qrt.Runtime.Interop;
using Qrt.Runtime.Tests.Support;

namespace Qrt.Runtime.Tests.Runtime;

[TestFixture]
[NonParallelizable]
internal sealed class CpuThreadCountTests : CpuStreamFixture
{
    private int _original;

    [SetUp]
    public void RememberThreadCount() => _original = Devices.CpuThreadCount;

    [TearDown]
    public void RestoreThreadCount() => Devices.CpuThreadCount = _original;

    [TestCase(1)]
    [TestCase(3)]
    [TestCase(17)]
    public void CpuThreadCount_ReadsBackWhatWasSet(int count)
    {
        Devices.CpuThreadCount = count;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Devices.CpuThreadCount, Is.EqualTo(count));
            Assert.That(Devices.GetBackendInfo(Backend.Cpu).Detail, Does.Contain(count.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
    }

    [Test]
    public void CpuThreadCount_Zero_MeansOnePerHardwareThread()
    {
        Devices.CpuThreadCount = 0;

        Assert.That(Devices.CpuThreadCount, Is.EqualTo(Devices.GetInfo(Device.Cpu).MultiprocessorCount));
    }

    [TestCase(-1)]
    [TestCase(4097)]
    [TestCase(int.MinValue)]
    public void CpuThreadCount_RefusesAnInvalidCount_AndKeepsTheOldOne(int count)
    {
        Devices.CpuThreadCount = 2;

        var error = Assert.Throws<QrtException>(() => Devices.CpuThreadCount = count);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(error!.Status, Is.EqualTo(QrtStatus.InvalidArgument));
            Assert.That(error.Message, Does.StartWith("qrt_cpu_set_thread_count:").And.Contain("'count'"));
            Assert.That(Devices.CpuThreadCount, Is.EqualTo(2));
        }
    }

    [Test]
    public void Ops_GiveTheSameBits_WhateverTheThreadCount()
    {
        var x = new TestData(141).Normal(64 * 1000);
        var w = new TestData(142).Uniform(1000);

        Devices.CpuThreadCount = 1;
        var one = RmsNormThenSoftmax(x, w);
        Devices.CpuThreadCount = 4;
        var four = RmsNormThenSoftmax(x, w);

        Assert.That(four, Is.EqualTo(one), "each row is reduced by one thread in a fixed order, so splitting rows between threads changes no bit");
    }

    private float[] RmsNormThenSoftmax(float[] x, float[] w)
    {
        using var tx = QrtTensor.FromData<float>(x, DType.F32, [64, 1000]);
        using var tw = QrtTensor.FromData<float>(w, DType.F32, [1000]);
        Qrt.Runtime.Ops.RmsNorm(Stream, tx, tw, 1e-6f, tx);
        Qrt.Runtime.Ops.Softmax(Stream, tx, tx);
        return tx.ToArray<float>();
    }
}
