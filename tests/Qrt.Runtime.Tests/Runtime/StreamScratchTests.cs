using NUnit.Framework;
using Qrt.Runtime.Layers;
using Qrt.Runtime.Tests.Support;

namespace Qrt.Runtime.Tests.Runtime;

/// <summary>
/// The scratch memory a stream lends its layers: reused while shapes fit, grown (and zero-filled where asked) when
/// they do not, and invisible in results: a layer gives the same bits on a stream whose scratch earlier calls of
/// other shapes left behind as on a fresh stream.
/// </summary>
[TestFixture]
internal sealed class StreamScratchTests
{
    [Test]
    public void Rent_WithinCapacity_ReusesTheSameMemory()
    {
        using var stream = new QrtStream(Device.Cpu);
        var first = stream.Scratch.Rent(ScratchSlot.QuantizedActivations, DType.I8, [4, 8]);
        first.CopyFrom<sbyte>(Enumerable.Range(0, 32).Select(i => (sbyte)i).ToArray());

        var smaller = stream.Scratch.Rent(ScratchSlot.QuantizedActivations, DType.I8, [2, 3]);

        Assert.That(smaller.ToArray<sbyte>(), Is.EqualTo(new sbyte[] { 0, 1, 2, 3, 4, 5 }), "a smaller rent reads the memory the first one wrote");
    }

    [Test]
    public void Rent_SlotsAndDTypes_DoNotShareMemory()
    {
        using var stream = new QrtStream(Device.Cpu);
        var codes = stream.Scratch.Rent(ScratchSlot.QuantizedActivations, DType.I8, [16]);
        codes.CopyFrom<sbyte>(Enumerable.Repeat((sbyte)7, 16).ToArray());

        var gathered = stream.Scratch.Rent(ScratchSlot.GatheredActivations, DType.I8, [16]);
        gathered.CopyFrom<sbyte>(new sbyte[16]);
        var fp8Codes = stream.Scratch.Rent(ScratchSlot.QuantizedActivations, DType.F8E4M3, [16]);
        fp8Codes.CopyFrom<byte>(new byte[16]);

        Assert.That(codes.ToArray<sbyte>(), Is.All.EqualTo(7));
    }

    [Test]
    public void Rent_Larger_GrowsToTheShape_AndZeroedSlotsStartAtZero()
    {
        using var stream = new QrtStream(Device.Cpu);
        stream.Scratch.Rent(ScratchSlot.GemmWorkspace, DType.U8, [8], zeroed: true);

        var grown = stream.Scratch.Rent(ScratchSlot.GemmWorkspace, DType.U8, [3, 100], zeroed: true);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(grown.Shape.ToArray(), Is.EqualTo(new long[] { 3, 100 }));
            Assert.That(grown.ToArray<byte>(), Is.All.EqualTo(0));
        }
    }

    [Test]
    public void Int8Linear_AfterCallsOfOtherShapes_GivesTheBitsOfAFreshStream()
    {
        const int In = 96;
        const int Out = 24;
        var data = new TestData(20261207);
        var (weight, scale) = WeightQuantizer.QuantizeInt8PerChannel(data.Normal(Out * In, 0.05), Out, In);
        using var layer = new Int8Linear(weight, scale);
        using var shared = new QrtStream(Device.Cpu);
        foreach (var rows in new[] { 7, 1, 33, 2 })
        {
            using var x = QrtTensor.FromFloats(data.Uniform(rows * In, -3f, 3f), DType.F32, [rows, In]);
            using var reused = QrtTensor.Empty(DType.F32, [rows, Out]);
            using var fresh = QrtTensor.Empty(DType.F32, [rows, Out]);
            layer.Forward(shared, x, reused);
            using (var stream = new QrtStream(Device.Cpu))
            {
                layer.Forward(stream, x, fresh);
            }

            Assert.That(reused.ToArray<float>(), Is.EqualTo(fresh.ToArray<float>()), $"{rows} rows");
        }
    }
}
