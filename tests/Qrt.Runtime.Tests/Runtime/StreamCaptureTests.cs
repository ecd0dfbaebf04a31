using NUnit.Framework;
using Qrt.Runtime.Interop;

namespace Qrt.Runtime.Tests.Runtime;

/// <summary>Stream capture on the CPU: graphs are a CUDA feature, so a CPU stream refuses to capture and runs eagerly.</summary>
[TestFixture]
internal sealed class StreamCaptureTests
{
    [Test]
    public void BeginCapture_OnTheCpu_IsUnsupported()
    {
        using var stream = new QrtStream(Device.Cpu);
        var refused = Assert.Throws<QrtException>(stream.BeginCapture);
        Assert.That(refused!.Status, Is.EqualTo(QrtStatus.Unsupported));
        Assert.That(refused.Message, Does.Contain("qrt_stream_begin_capture").And.Contain("graphs are a CUDA feature"));
        Assert.That(stream.IsCapturing, Is.False);
        var ended = Assert.Throws<QrtException>(() => stream.EndCapture());
        Assert.That(ended!.Status, Is.EqualTo(QrtStatus.InvalidArgument));
        Assert.That(ended.Message, Does.Contain("not capturing"));

        using var a = QrtTensor.FromFloats([1f, 2f], DType.F32, [2]);
        using var b = QrtTensor.Empty(DType.F32, [2]);
        Qrt.Runtime.Ops.Copy(stream, a, b);
        Assert.That(b.ToArray<float>(), Is.EqualTo(new[] { 1f, 2f }), "ops on the CPU stream still run eagerly");
    }
}
