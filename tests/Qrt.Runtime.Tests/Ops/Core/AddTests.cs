using Qrt.Runtime.Tests.Support;
using static Qrt.Runtime.Tests.Ops.Core.CoreTesting;
using static Qrt.Runtime.Tests.Support.Rejection;
using static Qrt.Runtime.Tests.Support.TensorBits;
using static Qrt.Runtime.Tests.Support.TensorSpec;

namespace Qrt.Runtime.Tests.Ops.Core;

[TestFixture]
internal sealed class AddTests : CpuStreamFixture
{
    private static readonly Call ValidArguments = new(
        A: Zeros(DType.F32, 3, 7),
        B: Zeros(DType.F32, 3, 7),
        Y: Zeros(DType.F32, 3, 7));

    public static IEnumerable<TestCaseData> DTypesAndShapes() =>
        from dtypes in new[]
        {
            (DType.F32, DType.F32, DType.F32),
            (DType.BF16, DType.BF16, DType.BF16),
            (DType.BF16, DType.F32, DType.BF16),
            (DType.F32, DType.BF16, DType.F32),
            (DType.F16, DType.BF16, DType.F32),
            (DType.BF16, DType.F16, DType.F16),
        }
        from shape in new[] { Shape(1), Shape(7, 3), Shape(17, 33), Shape(2, 3, 127) }
        select new TestCaseData(dtypes.Item1, dtypes.Item2, dtypes.Item3, shape);

    public static IEnumerable<TestCaseData> BadArguments() => BadArgument.Cases<Call>(
        new("an integer a", c => c with { A = Zeros(DType.I32, 3, 7) }, "a"),
        new("an integer y", c => c with { Y = Zeros(DType.I32, 3, 7) }, "y"),
        new("a transposed b", c => c with { B = Zeros(DType.F32, 7, 3) }, "b"),
        new("a y of another width", c => c with { Y = Zeros(DType.F32, 3, 8) }, "y"));

    [TestCaseSource(nameof(DTypesAndShapes))]
    public void Add_MatchesReference_ForMixedDTypes(DType aType, DType bType, DType yType, long[] shape)
    {
        var data = new TestData(21);
        var a = Stored(aType, data.Normal(Count(shape)));
        var b = Stored(bType, data.Normal(Count(shape)));
        using var ta = Upload(aType, a, shape);
        using var tb = Upload(bType, b, shape);
        using var ty = QrtTensor.Empty(yType, shape);

        Qrt.Runtime.Ops.Add(Stream, ta, tb, ty);

        // One FP32 addition (2^-24 relative), then the rounding to y's dtype of that FP32 sum.
        Tolerance.AssertClose(Read(ty), Sum(a, b), 0, Fp32Unit + (StoreRounding(yType) * (1 + Fp32Unit)), $"{aType}+{bType}->{yType}");
    }

    [TestCase(DType.BF16, DType.F32)]
    [TestCase(DType.F32, DType.BF16)]
    [TestCase(DType.F32, DType.F32)]
    public void Add_WritesIntoA_WhenYAliasesA(DType aType, DType bType)
    {
        var data = new TestData(22);
        var a = Stored(aType, data.Normal(3 * 33));
        var b = Stored(bType, data.Normal(3 * 33));
        using var ta = Upload(aType, a, 3, 33);
        using var tb = Upload(bType, b, 3, 33);

        Qrt.Runtime.Ops.Add(Stream, ta, tb, ta);

        // As for any y of a's dtype: one FP32 addition, then the store to a's dtype.
        Tolerance.AssertClose(Read(ta), Sum(a, b), 0, Fp32Unit + (StoreRounding(aType) * (1 + Fp32Unit)), "a after a += b");
    }

    [Test]
    public void Add_WritesIntoB_WhenYAliasesB()
    {
        var data = new TestData(23);
        var a = data.Normal(127);
        var b = Stored(DType.BF16, data.Normal(127));
        using var ta = Upload(DType.F32, a, 127);
        using var tb = Upload(DType.BF16, b, 127);

        Qrt.Runtime.Ops.Add(Stream, ta, tb, tb);

        // One FP32 addition, then the store to BF16.
        Tolerance.AssertClose(Read(tb), Sum(a, b), 0, Fp32Unit + (StoreRounding(DType.BF16) * (1 + Fp32Unit)), "b after b = a + b");
    }

    [Test]
    public void Add_ReadsAndWritesAnyStrides()
    {
        const int Rows = 7, Cols = 17;
        var data = new TestData(24);
        var a = data.Normal(Rows * Cols);
        var b = Stored(DType.BF16, data.Normal(Rows * Cols));
        using var ta = Upload(DType.F32, a, Rows, Cols);
        using var aTransposed = ta.View([Cols, Rows], [1, Cols]);
        using var tb = Upload(DType.BF16, b, Cols, Rows);
        using var wide = QrtTensor.Zeros(DType.F32, [Cols, 2 * Rows]);
        using var y = wide.View([Cols, Rows], [2 * Rows, 2]);

        Qrt.Runtime.Ops.Add(Stream, aTransposed, tb, y);

        var expected = new double[Cols * 2 * Rows];
        for (var c = 0; c < Cols; c++)
        {
            for (var r = 0; r < Rows; r++)
            {
                expected[(c * 2 * Rows) + (2 * r)] = (double)a[(r * Cols) + c] + b[(c * Rows) + r];
            }
        }

        // One FP32 addition per element; the odd columns of the wide tensor stay zero.
        Tolerance.AssertClose(Read(wide), expected, 0, Fp32Unit, "strided sum inside the wide tensor");
    }

    [Test]
    public void Add_AcceptsTheArguments_ThatEachBadArgumentCaseChanges() =>
        Assert.That(() => Invoke(ValidArguments), Throws.Nothing);

    [TestCaseSource(nameof(BadArguments))]
    public void Add_Refuses(BadArgument<Call> bad)
    {
        AssertRejected(() => Invoke(bad.Change(ValidArguments)), "qrt_add", bad.Argument);

        AssertAValidAddSucceeds();
    }

    [Test]
    public void Add_RefusesAYThatPartlyOverlapsAnInput()
    {
        using var buffer = QrtTensor.Zeros(DType.F32, [40]);
        using var a = buffer.Slice(0, 0, 17);
        using var y = buffer.Slice(0, 3, 17);
        using var b = QrtTensor.Zeros(DType.F32, [17]);

        AssertRejected(() => Qrt.Runtime.Ops.Add(Stream, a, b, y), "qrt_add", "y");

        AssertAValidAddSucceeds();
    }

    [Test]
    public void Add_ThrowsObjectDisposed_ForADisposedTensor()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.Throws<ObjectDisposedException>(() => Invoke(ValidArguments with { A = ValidArguments.A.Disposed() }));
            Assert.Throws<ObjectDisposedException>(() => Invoke(ValidArguments with { Y = ValidArguments.Y.Disposed() }));
        }

        AssertAValidAddSucceeds();
    }

    private static double[] Sum(float[] a, float[] b) => a.Zip(b, (x, y) => (double)x + y).ToArray();

    private void AssertAValidAddSucceeds()
    {
        using var a = Upload(DType.F32, [1f, 2f, -3f], 3);
        using var b = Upload(DType.BF16, [0.5f, 0.25f, 3f], 3);
        using var y = QrtTensor.Empty(DType.F32, [3]);
        Qrt.Runtime.Ops.Add(Stream, a, b, y);
        Assert.That(Read(y), Is.EqualTo(new[] { 1.5f, 2.25f, 0f }), "a valid add on the same stream after the failure");
    }

    private void Invoke(Call c)
    {
        using var tensors = new TensorScope();
        Qrt.Runtime.Ops.Add(Stream, tensors.Make(c.A), tensors.Make(c.B), tensors.Make(c.Y));
    }

    internal sealed record Call(TensorSpec A, TensorSpec B, TensorSpec Y);
}
