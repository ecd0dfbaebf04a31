using Qrt.Runtime.Interop;

namespace Qrt.Runtime.Tests.Runtime;

[TestFixture]
internal sealed class QrtTensorViewTests
{
    private static readonly float[] Counting = Enumerable.Range(0, 3 * 4 * 5).Select(i => (float)i).ToArray();

    [Test]
    public void Reshape_SharesTheMemory_WithNewShapeAndStrides()
    {
        using var owner = QrtTensor.FromFloats(Counting, DType.F32, [3, 4, 5]);
        using var reshaped = owner.Reshape([12, 5]);

        reshaped.AsSpan<float>()[7] = -1f;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(reshaped.Shape.ToArray(), Is.EqualTo(new long[] { 12, 5 }));
            Assert.That(reshaped.Strides.ToArray(), Is.EqualTo(new long[] { 5, 1 }));
            Assert.That(owner.ToFloats()[7], Is.EqualTo(-1f), "a write through the reshaped view shows in the owner");
        }
    }

    [Test]
    public void Reshape_OfAContiguousSlice_ReadsTheSlicedElements()
    {
        using var owner = QrtTensor.FromFloats(Counting, DType.F32, [3, 4, 5]);
        using var middle = owner.Slice(0, 1, 1);
        using var flat = middle.Reshape([20]);

        Assert.That(flat.ToFloats(), Is.EqualTo(Counting.Skip(20).Take(20).ToArray()));
    }

    [Test]
    public void Reshape_RefusesANonContiguousView_AndAWrongCount()
    {
        using var owner = QrtTensor.FromFloats(Counting, DType.F32, [3, 4, 5]);
        using var columns = owner.Slice(2, 1, 3);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(columns.IsContiguous, Is.False);
            Assert.Throws<InvalidOperationException>(() => columns.Reshape([36]));
            Assert.Throws<ArgumentException>(() => owner.Reshape([7, 8]));
        }
    }

    [Test]
    public void Slice_SelectsARangeOfOneDimension_WithTheOwnersStrides()
    {
        using var owner = QrtTensor.FromFloats(Counting, DType.F32, [3, 4, 5]);
        using var slice = owner.Slice(-1, 2, 3);

        var expected = Counting.Where((_, i) => i % 5 is >= 2 and < 5).ToArray();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(slice.Shape.ToArray(), Is.EqualTo(new long[] { 3, 4, 3 }));
            Assert.That(slice.Strides.ToArray(), Is.EqualTo(new long[] { 20, 5, 1 }));
            Assert.That(slice.Size(-1), Is.EqualTo(3));
            Assert.That(slice.ToFloats(), Is.EqualTo(expected));
        }
    }

    [Test]
    public void Slice_RefusesRangesOutsideTheDimension()
    {
        using var owner = QrtTensor.Zeros(DType.F32, [3, 4]);

        using (Assert.EnterMultipleScope())
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => owner.Slice(0, 2, 2));
            Assert.Throws<ArgumentOutOfRangeException>(() => owner.Slice(1, -1, 2));
            Assert.Throws<ArgumentOutOfRangeException>(() => owner.Slice(2, 0, 1));
            Assert.Throws<ArgumentOutOfRangeException>(() => owner.Slice(-3, 0, 1));
            Assert.That(() => owner.Slice(1, 4, 0).Dispose(), Throws.Nothing, "an empty slice at the end");
        }
    }

    [Test]
    public void View_AddressesElementsByStrideAndOffset()
    {
        using var owner = QrtTensor.FromFloats(Counting, DType.F32, [60]);
        using var transposed = owner.View([5, 4], [1, 5], elementOffset: 20);
        using var ofSlice = owner.Slice(0, 10, 50).View([2, 2], [10, 1], elementOffset: 3);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(transposed.ToFloats(), Is.EqualTo(new float[] { 20, 25, 30, 35, 21, 26, 31, 36, 22, 27, 32, 37, 23, 28, 33, 38, 24, 29, 34, 39 }));
            Assert.That(ofSlice.ToFloats(), Is.EqualTo(new float[] { 13, 14, 23, 24 }), "the offset counts from the slice's first element");
        }
    }

    [Test]
    public void View_RefusesElementsOutsideTheMemory()
    {
        using var owner = QrtTensor.Zeros(DType.BF16, [60]);

        using (Assert.EnterMultipleScope())
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => owner.View([6, 10], [10, 1], elementOffset: 1), "one past the end");
            Assert.Throws<ArgumentOutOfRangeException>(() => owner.View([2], [1], elementOffset: -1), "before the start");
            Assert.Throws<ArgumentOutOfRangeException>(() => owner.View([2, 2], [-1, 1], elementOffset: 10), "negative stride");
            Assert.Throws<ArgumentException>(() => owner.View([2, 2], [1]), "a stride per dimension");
            Assert.That(() => owner.View([6, 10], [10, 1]).Dispose(), Throws.Nothing, "the whole memory");
            Assert.That(() => owner.View([0, 10], [10, 1], elementOffset: 60).Dispose(), Throws.Nothing, "no elements");
        }
    }

    [Test]
    public void IsContiguous_IgnoresTheStridesOfUnitDimensions()
    {
        using var owner = QrtTensor.Zeros(DType.F32, [3, 4]);
        using var row = owner.Slice(0, 1, 1);
        using var column = owner.Slice(1, 1, 1);
        using var oddStride = owner.View([1, 4], [999, 1]);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(row.IsContiguous, Is.True);
            Assert.That(column.IsContiguous, Is.False);
            Assert.That(oddStride.IsContiguous, Is.True);
        }
    }

    [Test]
    public void AsSpan_WritesTheTensorsMemory_OnTheCpu()
    {
        using var tensor = QrtTensor.Zeros(DType.I32, [2, 3]);

        var span = tensor.AsSpan<int>();
        for (var i = 0; i < span.Length; i++)
        {
            span[i] = (i * 10) - 7;
        }

        Assert.That(tensor.ToArray<int>(), Is.EqualTo(new[] { -7, 3, 13, 23, 33, 43 }));
    }

    [Test]
    public void AsSpan_RefusesANonContiguousView()
    {
        using var owner = QrtTensor.Zeros(DType.F32, [3, 4]);
        using var columns = owner.Slice(1, 0, 2);

        Assert.Throws<InvalidOperationException>(() => columns.AsSpan<float>());
    }

    [Test]
    public void Clone_IsAnIndependentContiguousCopy()
    {
        using var owner = QrtTensor.FromFloats(Counting, DType.BF16, [3, 4, 5]);
        using var columns = owner.Slice(2, 1, 2);
        using var clone = columns.Clone();
        var columnValues = Counting.Where((_, i) => i % 5 is 1 or 2).ToArray();
        Assert.That(columns.ToFloats(), Is.EqualTo(columnValues), "a strided BF16 view reads back its own elements");

        owner.AsSpan<ushort>().Clear();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(clone.IsContiguous, Is.True);
            Assert.That(clone.DType, Is.EqualTo(DType.BF16));
            Assert.That(clone.Shape.ToArray(), Is.EqualTo(new long[] { 3, 4, 2 }));
            Assert.That(clone.ToFloats(), Is.EqualTo(columnValues), "the clone kept the values");
            Assert.That(columns.ToFloats(), Is.All.Zero, "the view sees the cleared owner");
        }
    }

    [Test]
    public void ToString_NamesDTypeShapeAndDevice()
    {
        using var tensor = QrtTensor.Zeros(DType.BF16, [2, 3]);
        using var scalar = QrtTensor.Zeros(DType.I64, []);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(tensor.ToString(), Is.EqualTo("QrtTensor(BF16 [2, 3] on cpu)"));
            Assert.That(scalar.ToString(), Is.EqualTo("QrtTensor(I64 [] on cpu)"));
        }
    }

    [Test]
    public void To_ACudaDevice_WithoutOne_ThrowsBackendUnavailable()
    {
        Assume.That(Devices.Count(Backend.Cuda), Is.Zero, "this machine has a CUDA device");
        using var tensor = QrtTensor.Zeros(DType.F32, [4]);

        var error = Assert.Throws<QrtException>(() => tensor.To(Device.Cuda(0)).Dispose());

        using (Assert.EnterMultipleScope())
        {
            Assert.That(error!.Status, Is.EqualTo(QrtStatus.BackendUnavailable));
            Assert.That(error.Message, Does.StartWith("qrt_malloc:").And.Contain("'device'"));
        }
    }
}
