using Qrt.Runtime.Tests.Support;
using static Qrt.Runtime.Tests.Ops.Core.CoreTesting;
using static Qrt.Runtime.Tests.Support.Rejection;
using static Qrt.Runtime.Tests.Support.TensorBits;
using static Qrt.Runtime.Tests.Support.TensorSpec;

namespace Qrt.Runtime.Tests.Ops.Core;

[TestFixture]
internal sealed class ActivationTests : CpuStreamFixture
{
    private const float Range = 4f;

    private static readonly Call ValidArguments = new(
        Activation.Silu,
        X: Zeros(DType.F32, 3, 7),
        Y: Zeros(DType.F32, 3, 7));

    public static IEnumerable<TestCaseData> Cases() =>
        from activation in ActivationReference.All
        from x in StorageFloatDTypes
        from y in StorageFloatDTypes
        from shape in new[] { Shape(1), Shape(3, 7), Shape(17, 33), Shape(2, 1100) }
        select new TestCaseData(activation, x, y, shape);

    public static IEnumerable<TestCaseData> ActivationsAndDTypes() =>
        from activation in ActivationReference.All from dtype in StorageFloatDTypes select new TestCaseData(activation, dtype);

    public static IEnumerable<TestCaseData> BadArguments() => BadArgument.Cases<Call>(
        new("an integer x", c => c with { X = Zeros(DType.I32, 3, 7) }, "x"),
        new("an fp8 y of gelu", c => c with { Activation = Activation.Gelu, Y = Zeros(DType.F8E4M3, 3, 7) }, "y"),
        new("a y of another shape", c => c with { Y = Zeros(DType.F32, 3, 8) }, "y"),
        new("an unknown activation", c => c with { Activation = (Activation)99 }, "activation"));

    [TestCaseSource(nameof(Cases))]
    public void Activate_MatchesReference(Activation activation, DType xType, DType yType, long[] shape)
    {
        var x = Stored(xType, new TestData(81).Uniform(Count(shape), -Range, Range));
        using var tx = Upload(xType, x, shape);
        using var ty = QrtTensor.Empty(yType, shape);

        Qrt.Runtime.Ops.Activate(Stream, activation, tx, ty);

        var rtol = ActivationReference.Rtol(activation, Range);
        Tolerance.AssertClose(Read(ty), Expected(activation, x), 0, rtol + (StoreRounding(yType) * (1 + rtol)), $"{activation} {xType}->{yType}");
    }

    [TestCaseSource(nameof(ActivationsAndDTypes))]
    public void Activate_WorksInPlace_WhenYIsX(Activation activation, DType dtype)
    {
        var x = Stored(dtype, new TestData(82).Uniform(7 * 33, -Range, Range));
        using var tx = Upload(dtype, x, 7, 33);

        Qrt.Runtime.Ops.Activate(Stream, activation, tx, tx);

        var rtol = ActivationReference.Rtol(activation, Range);
        Tolerance.AssertClose(Read(tx), Expected(activation, x), 0, rtol + (StoreRounding(dtype) * (1 + rtol)), $"{activation} in place");
    }

    [TestCaseSource(nameof(ActivationsAndDTypes))]
    public void Activate_GivesTheLimits_ForLargeMagnitudes(Activation activation, DType xType)
    {
        float[] magnitudes = [100f, 1e4f, 1e30f, 3e38f, float.PositiveInfinity];
        var x = Stored(xType, [.. magnitudes, .. magnitudes.Select(v => -v)]);
        using var tx = Upload(xType, x, x.Length);
        using var ty = QrtTensor.Empty(DType.F32, [x.Length]);

        Qrt.Runtime.Ops.Activate(Stream, activation, tx, ty);

        var actual = Read(ty);
        Assert.That(actual.Where(float.IsNaN), Is.Empty, "no NaN for any finite or infinite input");
        // For |x| ≥ 100, act(x) = x·g(x) with |1 − g(x)| < e^-100 rounds to x itself, and act(−|x|) lies below FP32's
        // smallest normal, where the kernel may give a subnormal or zero.
        Tolerance.AssertClose(actual, Expected(activation, x), Math.Pow(2, -126), 0, $"{activation} at large |x|");
    }

    [Test]
    public void Activate_AcceptsTheArguments_ThatEachBadArgumentCaseChanges() =>
        Assert.That(() => Invoke(ValidArguments), Throws.Nothing);

    [TestCaseSource(nameof(BadArguments))]
    public void Activate_Refuses(BadArgument<Call> bad)
    {
        AssertRejected(() => Invoke(bad.Change(ValidArguments)), "qrt_activate", bad.Argument);

        AssertAValidActivateSucceeds();
    }

    [Test]
    public void Activate_ThrowsObjectDisposed_ForADisposedTensor()
    {
        Assert.Throws<ObjectDisposedException>(() => Invoke(ValidArguments with { X = ValidArguments.X.Disposed() }));

        AssertAValidActivateSucceeds();
    }

    internal static double[] Expected(Activation activation, float[] x) => x.Select(v => ActivationReference.Apply(activation, v)).ToArray();

    private void AssertAValidActivateSucceeds()
    {
        using var x = Upload(DType.F32, [0f, 1f], 2);
        using var y = QrtTensor.Empty(DType.F32, [2]);
        Qrt.Runtime.Ops.Activate(Stream, Activation.Silu, x, y);
        // silu(0) = 0 exactly; silu(1) = 1/(1 + e^-1), within the FP32 bound of the activation.
        Tolerance.AssertClose(Read(y), [0, 1 / (1 + Math.Exp(-1))], 0, ActivationReference.Rtol(Activation.Silu, 1), "a valid activate on the same stream after the failure");
    }

    private void Invoke(Call c)
    {
        using var tensors = new TensorScope();
        Qrt.Runtime.Ops.Activate(Stream, c.Activation, tensors.Make(c.X), tensors.Make(c.Y));
    }

    internal sealed record Call(Activation Activation, TensorSpec X, TensorSpec Y);
}
