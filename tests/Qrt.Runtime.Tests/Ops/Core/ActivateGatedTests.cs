using Qrt.Runtime.Tests.Support;
using static Qrt.Runtime.Tests.Ops.Core.CoreTesting;
using static Qrt.Runtime.Tests.Support.Rejection;
using static Qrt.Runtime.Tests.Support.TensorBits;
using static Qrt.Runtime.Tests.Support.TensorSpec;

namespace Qrt.Runtime.Tests.Ops.Core;

[TestFixture]
internal sealed class ActivateGatedTests : CpuStreamFixture
{
    private const float Range = 4f;

    private static readonly Call ValidArguments = new(
        Activation.Silu,
        Gate: Zeros(DType.F32, 3, 7),
        Up: Zeros(DType.F32, 3, 7),
        Y: Zeros(DType.F32, 3, 7));

    public static IEnumerable<TestCaseData> Cases() =>
        from activation in ActivationReference.All
        from fused in StorageFloatDTypes
        from y in StorageFloatDTypes
        from shape in new[] { (1, 1), (3, 7), (17, 33), (2, 1100) }
        select new TestCaseData(activation, fused, y, shape.Item1, shape.Item2);

    public static IEnumerable<TestCaseData> BadArguments() => BadArgument.Cases<Call>(
        new("an integer gate", c => c with { Gate = Zeros(DType.I32, 3, 7) }, "gate"),
        new("an integer up", c => c with { Up = Zeros(DType.I32, 3, 7) }, "up"),
        new("an integer y", c => c with { Y = Zeros(DType.I32, 3, 7) }, "y"),
        new("an up of another width", c => c with { Up = Zeros(DType.F32, 3, 6) }, "up"),
        new("a y of other rows", c => c with { Y = Zeros(DType.F32, 2, 7) }, "y"),
        new("an unknown activation", c => c with { Activation = (Activation)(-1) }, "activation"));

    [TestCaseSource(nameof(Cases))]
    public void ActivateGated_MatchesReference_ForTheHalvesOfAFusedTensor(Activation activation, DType fusedType, DType yType, int rows, int intermediate)
    {
        var fused = Stored(fusedType, new TestData(91).Uniform(rows * 2 * intermediate, -Range, Range));
        using var tfused = Upload(fusedType, fused, rows, 2 * intermediate);
        using var gate = tfused.Slice(-1, 0, intermediate);
        using var up = tfused.Slice(-1, intermediate, intermediate);
        using var y = QrtTensor.Empty(yType, [rows, intermediate]);

        Qrt.Runtime.Ops.ActivateGated(Stream, activation, gate, up, y);

        Tolerance.AssertClose(Read(y), Expected(activation, fused, rows, intermediate), 0, Rtol(activation, yType), $"{activation} {fusedType}->{yType}");
    }

    [TestCase(Activation.Silu, DType.F32)]
    [TestCase(Activation.Silu, DType.BF16)]
    [TestCase(Activation.GeluTanh, DType.BF16)]
    public void ActivateGated_WritesOverTheGateHalf_WhenYIsGate(Activation activation, DType dtype)
    {
        const int Rows = 7, Intermediate = 33;
        var fused = Stored(dtype, new TestData(92).Uniform(Rows * 2 * Intermediate, -Range, Range));
        using var tfused = Upload(dtype, fused, Rows, 2 * Intermediate);
        using var gate = tfused.Slice(-1, 0, Intermediate);
        using var up = tfused.Slice(-1, Intermediate, Intermediate);

        Qrt.Runtime.Ops.ActivateGated(Stream, activation, gate, up, gate);

        var actual = Read(tfused);
        Tolerance.AssertClose(Columns(actual, Rows, 2 * Intermediate, 0, Intermediate), Expected(activation, fused, Rows, Intermediate), 0, Rtol(activation, dtype), "gate half");
        Assert.That(Columns(actual, Rows, 2 * Intermediate, Intermediate, Intermediate), Is.EqualTo(Columns(fused, Rows, 2 * Intermediate, Intermediate, Intermediate)), "up half is untouched");
    }

    [Test]
    public void ActivateGated_AcceptsTheArguments_ThatEachBadArgumentCaseChanges() =>
        Assert.That(() => Invoke(ValidArguments), Throws.Nothing);

    [TestCaseSource(nameof(BadArguments))]
    public void ActivateGated_Refuses(BadArgument<Call> bad)
    {
        AssertRejected(() => Invoke(bad.Change(ValidArguments)), "qrt_activate_gated", bad.Argument);

        AssertAValidActivateGatedSucceeds();
    }

    [Test]
    public void ActivateGated_ThrowsObjectDisposed_ForADisposedTensor()
    {
        Assert.Throws<ObjectDisposedException>(() => Invoke(ValidArguments with { Up = ValidArguments.Up.Disposed() }));

        AssertAValidActivateGatedSucceeds();
    }

    private static double[] Expected(Activation activation, float[] fused, int rows, int intermediate)
    {
        var expected = new double[rows * intermediate];
        for (var r = 0; r < rows; r++)
        {
            for (var i = 0; i < intermediate; i++)
            {
                var gate = fused[(r * 2 * intermediate) + i];
                var up = fused[(r * 2 * intermediate) + intermediate + i];
                expected[(r * intermediate) + i] = ActivationReference.Apply(activation, gate) * up;
            }
        }

        return expected;
    }

    // The activation's FP32 bound, one more rounding for the product with up, then the store to y's dtype.
    private static double Rtol(Activation activation, DType yType)
    {
        var product = ActivationReference.Rtol(activation, Range) + Fp32Unit;
        return product + (StoreRounding(yType) * (1 + product));
    }

    private void AssertAValidActivateGatedSucceeds()
    {
        using var gate = Upload(DType.F32, [0f, 0f], 1, 2);
        using var up = Upload(DType.F32, [5f, -5f], 1, 2);
        using var y = Upload(DType.F32, [1f, 1f], 1, 2);
        Qrt.Runtime.Ops.ActivateGated(Stream, Activation.Silu, gate, up, y);
        Assert.That(Read(y), Is.EqualTo(new[] { 0f, 0f }), "silu(0)·up is 0: a valid call on the same stream after the failure");
    }

    private void Invoke(Call c)
    {
        using var tensors = new TensorScope();
        Qrt.Runtime.Ops.ActivateGated(Stream, c.Activation, tensors.Make(c.Gate), tensors.Make(c.Up), tensors.Make(c.Y));
    }

    internal sealed record Call(Activation Activation, TensorSpec Gate, TensorSpec Up, TensorSpec Y);
}
