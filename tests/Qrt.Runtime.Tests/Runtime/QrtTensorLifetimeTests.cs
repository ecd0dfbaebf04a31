using Qrt.Runtime.Tests.Support;

namespace Qrt.Runtime.Tests.Runtime;

[TestFixture]
internal sealed class QrtTensorLifetimeTests : CpuStreamFixture
{
    [Test]
    public void AView_FailsWithObjectDisposed_OnceItsOwnerIsDisposed()
    {
        var owner = QrtTensor.FromFloats([1f, 2f, 3f, 4f, 5f, 6f], DType.F32, [2, 3]);
        using var view = owner.Reshape([6]);
        using var slice = owner.Slice(1, 0, 2);
        using var live = QrtTensor.Zeros(DType.F32, [6]);
        using var liveBf16 = QrtTensor.Zeros(DType.BF16, [6]);

        owner.Dispose();

        using (Assert.EnterMultipleScope())
        {
            Assert.Throws<ObjectDisposedException>(() => owner.ToArray<float>(), "owner.ToArray");
            Assert.Throws<ObjectDisposedException>(() => view.ToArray<float>(), "view.ToArray");
            Assert.Throws<ObjectDisposedException>(() => slice.ToFloats(), "strided view.ToFloats");
            Assert.Throws<ObjectDisposedException>(() => view.AsSpan<float>(), "view.AsSpan");
            Assert.Throws<ObjectDisposedException>(() => view.CopyFrom<float>([0f, 0f, 0f, 0f, 0f, 0f]), "view.CopyFrom");
            Assert.Throws<ObjectDisposedException>(() => Qrt.Runtime.Ops.Copy(Stream, view, liveBf16), "an op reading the view");
            Assert.Throws<ObjectDisposedException>(() => Qrt.Runtime.Ops.Add(Stream, live, live, view), "an op writing the view");
        }

        Qrt.Runtime.Ops.Copy(Stream, live, liveBf16);
        Assert.That(liveBf16.ToFloats(), Is.All.Zero, "ops on live tensors still run on the same stream");
    }

    [Test]
    public void DisposingAView_LeavesTheMemoryToTheOwner()
    {
        using var owner = QrtTensor.FromFloats([1f, 2f, 3f, 4f, 5f, 6f], DType.F32, [2, 3]);
        using var sibling = owner.Slice(0, 1, 1);
        var view = owner.Reshape([3, 2]);
        var nested = view.View([2], [2], elementOffset: 1);

        nested.Dispose();
        view.Dispose();
        view.Dispose();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(owner.ToFloats(), Is.EqualTo(new[] { 1f, 2f, 3f, 4f, 5f, 6f }));
            Assert.That(sibling.ToFloats(), Is.EqualTo(new[] { 4f, 5f, 6f }));
        }
    }

    [Test]
    public void DisposingAnOwnerTwice_IsHarmless()
    {
        var owner = QrtTensor.Zeros(DType.I8, [5]);

        owner.Dispose();

        Assert.That(owner.Dispose, Throws.Nothing);
    }

    [Test]
    public void ATensorOfRankAboveTheLimit_IsRefusedBeforeItReachesLibqrt()
    {
        using var deep = QrtTensor.Zeros(DType.F32, [1, 1, 1, 1, 1, 1, 1, 1, 2]);
        using var flat = QrtTensor.Zeros(DType.F32, [2]);

        var error = Assert.Throws<InvalidOperationException>(() => Qrt.Runtime.Ops.Copy(Stream, deep, deep));

        Assert.That(error!.Message, Does.Contain("rank 9"));
        Qrt.Runtime.Ops.Copy(Stream, flat, flat);
    }
}
