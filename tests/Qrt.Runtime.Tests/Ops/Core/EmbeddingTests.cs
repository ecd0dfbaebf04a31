using Qrt.Runtime.Tests.Reference;
using Qrt.Runtime.Tests.Support;
using static Qrt.Runtime.Tests.Ops.Core.CoreTesting;
using static Qrt.Runtime.Tests.Support.Rejection;
using static Qrt.Runtime.Tests.Support.TensorBits;
using static Qrt.Runtime.Tests.Support.TensorSpec;

namespace Qrt.Runtime.Tests.Ops.Core;

[TestFixture]
internal sealed class EmbeddingTests : CpuStreamFixture
{
    private static readonly Call ValidArguments = new(
        Ids: Zeros(DType.I32, 4),
        Table: Zeros(DType.F32, 5, 3),
        Y: Zeros(DType.F32, 4, 3));

    public static IEnumerable<TestCaseData> Cases() =>
        from ids in new[] { DType.I32, DType.I64 }
        from table in StorageFloatDTypes
        from y in StorageFloatDTypes
        from shape in new[] { (Shape(1), 1, 1), (Shape(7), 33, 17), (Shape(3, 17), 127, 64), (Shape(2, 33), 1000, 7) }
        select new TestCaseData(ids, table, y, shape.Item1, shape.Item2, shape.Item3);

    public static IEnumerable<TestCaseData> BadArguments() => BadArgument.Cases<Call>(
        new("float ids", c => c with { Ids = Zeros(DType.F32, 4) }, "ids"),
        new("an integer table", c => c with { Table = Zeros(DType.I8, 5, 3) }, "table"),
        new("an integer y", c => c with { Y = Zeros(DType.I32, 4, 3) }, "y"),
        new("a table of rank 3", c => c with { Table = Zeros(DType.F32, 5, 3, 1), Y = Zeros(DType.F32, 4, 4) }, "table"),
        new("a y wider than the table", c => c with { Y = Zeros(DType.F32, 4, 4) }, "y"),
        new("a y of fewer rows than ids", c => c with { Y = Zeros(DType.F32, 3, 3) }, "y"));

    [TestCaseSource(nameof(Cases))]
    public void Embedding_GathersTheRowsOfTheTable(DType idType, DType tableType, DType yType, long[] idShape, int vocabulary, int dims)
    {
        var data = new TestData(121);
        var table = Stored(tableType, data.Normal(vocabulary * dims));
        var ids = data.Integers(Count(idShape), 0, vocabulary - 1);
        using var tids = Ids(idType, ids, idShape);
        using var ttable = Upload(tableType, table, vocabulary, dims);
        using var y = QrtTensor.Empty(yType, [.. idShape, dims]);

        Qrt.Runtime.Ops.Embedding(Stream, tids, ttable, y);

        // Exact: a row is copied, or converted once to y's dtype.
        Tolerance.AssertClose(Read(y), Expected(table, dims, ids, yType), 0, 0, $"{idType} ids into a {tableType} table -> {yType}");
    }

    [Test]
    public void Embedding_ReadsATableWithARowStride()
    {
        const int Vocabulary = 33, Dims = 17, Width = 40;
        var data = new TestData(122);
        var wide = data.Normal(Vocabulary * Width);
        var ids = data.Integers(7, 0, Vocabulary - 1);
        using var tWide = Upload(DType.F32, wide, Vocabulary, Width);
        using var table = tWide.Slice(1, 3, Dims);
        using var tids = Ids(DType.I64, ids, [7]);
        using var y = QrtTensor.Empty(DType.F32, [7, Dims]);

        Qrt.Runtime.Ops.Embedding(Stream, tids, table, y);

        var expected = ids.SelectMany(id => Enumerable.Range(0, Dims).Select(d => (double)wide[(id * Width) + 3 + d])).ToArray();
        Tolerance.AssertClose(Read(y), expected, 0, 0, "rows of a column block");
    }

    [TestCase(DType.I32, 50L)]
    [TestCase(DType.I32, -1L)]
    [TestCase(DType.I64, 1L << 40)]
    [TestCase(DType.I64, long.MinValue)]
    public void Embedding_RefusesAnOutOfRangeId_NamingItsValue_AndLeavesYAlone(DType idType, long badId)
    {
        const int Vocabulary = 50;
        using var table = Upload(DType.F32, new TestData(123).Normal(Vocabulary * 3), Vocabulary, 3);
        using var ids = idType == DType.I64
            ? QrtTensor.FromData<long>([0, 49, badId, 7], DType.I64, [4])
            : QrtTensor.FromData<int>([0, 49, checked((int)badId), 7], DType.I32, [4]);
        using var y = Upload(DType.F32, Enumerable.Repeat(-7f, 12).ToArray(), 4, 3);

        var error = AssertRejected(() => Qrt.Runtime.Ops.Embedding(Stream, ids, table, y), "qrt_embedding", "ids");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(error.Message, Does.Contain(badId.ToString(System.Globalization.CultureInfo.InvariantCulture)), "the message names the bad id");
            Assert.That(Read(y), Is.All.EqualTo(-7f), "y is untouched when any id is out of range");
        }

        AssertAValidEmbeddingSucceeds();
    }

    [Test]
    public void Embedding_AcceptsTheArguments_ThatEachBadArgumentCaseChanges() =>
        Assert.That(() => Invoke(ValidArguments), Throws.Nothing);

    [TestCaseSource(nameof(BadArguments))]
    public void Embedding_Refuses(BadArgument<Call> bad)
    {
        AssertRejected(() => Invoke(bad.Change(ValidArguments)), "qrt_embedding", bad.Argument);

        AssertAValidEmbeddingSucceeds();
    }

    [Test]
    public void Embedding_ThrowsObjectDisposed_ForADisposedTable()
    {
        Assert.Throws<ObjectDisposedException>(() => Invoke(ValidArguments with { Table = ValidArguments.Table.Disposed() }));

        AssertAValidEmbeddingSucceeds();
    }

    private static QrtTensor Ids(DType dtype, int[] ids, long[] shape) => dtype == DType.I64
        ? QrtTensor.FromData<long>(ids.Select(id => (long)id).ToArray(), DType.I64, shape)
        : QrtTensor.FromData<int>(ids, DType.I32, shape);

    private static double[] Expected(float[] table, int dims, int[] ids, DType yType) =>
        ids.SelectMany(id => Enumerable.Range(0, dims).Select(d => (double)NumberFormats.RoundTo(yType, table[(id * dims) + d]))).ToArray();

    private void AssertAValidEmbeddingSucceeds()
    {
        using var ids = Ids(DType.I32, [2, 0], [2]);
        using var table = Upload(DType.F32, [1f, 2f, 3f, 4f, 5f, 6f], 3, 2);
        using var y = QrtTensor.Empty(DType.F32, [2, 2]);
        Qrt.Runtime.Ops.Embedding(Stream, ids, table, y);
        Assert.That(Read(y), Is.EqualTo(new[] { 5f, 6f, 1f, 2f }), "a valid embedding on the same stream after the failure");
    }

    private void Invoke(Call c)
    {
        using var tensors = new TensorScope();
        Qrt.Runtime.Ops.Embedding(Stream, tensors.Make(c.Ids), tensors.Make(c.Table), tensors.Make(c.Y));
    }

    internal sealed record Call(TensorSpec Ids, TensorSpec Table, TensorSpec Y);
}
