using Qrt.Runtime.Interop;
using Qrt.Runtime.Tests.Support;
using static Qrt.Runtime.Tests.Ops.Core.CoreTesting;
using static Qrt.Runtime.Tests.Support.TensorBits;

namespace Qrt.Runtime.Tests.Cuda;

/// <summary>
/// The CUDA RMSNorm kernels against the CPU ops on the same inputs, through the managed API. The two backends differ
/// only in the order of the sum of squares: each sum has relative error at most cols·2⁻²⁴, so 1/rms differs by about
/// as much, which bounds an F32 output directly. F16 and BF16 round the normalised value and then the output: a tiny
/// difference can flip each rounding by one step, so two units of the output's precision are allowed.
/// </summary>
[TestFixture]
internal sealed class CudaNormTests : CudaStreamFixture
{
    public static IEnumerable<TestCaseData> Cases() =>
        from dtype in new[] { DType.F32, DType.F16, DType.BF16 }
        from shape in new[] { (Rows: 1, Cols: 1), (Rows: 3, Cols: 17), (Rows: 7, Cols: 4096), (Rows: 2, Cols: 5120) }
        select new TestCaseData(dtype, dtype, shape.Rows, shape.Cols);

    public static IEnumerable<TestCaseData> MixedCases() =>
        from shape in new[] { (Rows: 3, Cols: 17), (Rows: 4, Cols: 3072) }
        select new TestCaseData(DType.BF16, DType.F32, shape.Rows, shape.Cols);

    [TestCaseSource(nameof(Cases))]
    [TestCaseSource(nameof(MixedCases))]
    public void RmsNorm_OnTheDevice_MatchesTheCpu(DType dtype, DType weightType, int rows, int cols)
    {
        var data = new TestData(rows * 1000 + cols);
        using var x = Upload(dtype, Stored(dtype, data.Normal(rows * cols, 3.0)), rows, cols);
        using var w = Upload(weightType, Stored(weightType, data.Uniform(cols, 0.5f, 1.5f)), cols);
        using var expected = QrtTensor.Empty(dtype, [rows, cols]);
        using (var cpu = new QrtStream(Device.Cpu))
        {
            Qrt.Runtime.Ops.RmsNorm(cpu, x, w, 1e-5f, expected);
        }

        using var gx = x.To(Gpu);
        using var gw = w.To(Gpu);
        using var gy = QrtTensor.Empty(dtype, [rows, cols], Gpu);
        Qrt.Runtime.Ops.RmsNorm(Stream, gx, gw, 1e-5f, gy);
        Stream.Synchronize();

        Tolerance.AssertClose(Read(gy), Read(expected), 0, RelativeTolerance(dtype, cols), $"{dtype} x, {weightType} w, {rows}x{cols}");
    }

    [TestCaseSource(nameof(Cases))]
    public void AddRmsNorm_OnTheDevice_MatchesTheCpu(DType dtype, DType weightType, int rows, int cols)
    {
        var data = new TestData(rows * 1000 + cols + 1);
        var xValues = Stored(dtype, data.Normal(rows * cols));
        var residualValues = Stored(dtype, data.Normal(rows * cols, 4.0));
        using var w = Upload(weightType, Stored(weightType, data.Uniform(cols, 0.5f, 1.5f)), cols);
        using var x = Upload(dtype, xValues, rows, cols);
        using var residual = Upload(dtype, residualValues, rows, cols);
        using var expected = QrtTensor.Empty(dtype, [rows, cols]);
        using var gx = x.To(Gpu);
        using var gResidual = residual.To(Gpu);
        using var gw = w.To(Gpu);
        using (var cpu = new QrtStream(Device.Cpu))
        {
            Qrt.Runtime.Ops.AddRmsNorm(cpu, x, residual, w, 1e-6f, expected);
        }

        // y is x, the way a decoder layer reuses its buffer.
        Qrt.Runtime.Ops.AddRmsNorm(Stream, gx, gResidual, gw, 1e-6f, gx);
        Stream.Synchronize();

        using (Assert.EnterMultipleScope())
        {
            // The residual sum is one FP32 add rounded once on both backends: bit for bit.
            Assert.That(Read(gResidual), Is.EqualTo(Read(residual)), "residual");
            Tolerance.AssertClose(Read(gx), Read(expected), 0, RelativeTolerance(dtype, cols), $"{dtype} {rows}x{cols}");
        }
    }

    [Test]
    public void RmsNorm_IntoAnotherDType_IsUnsupported_ByName()
    {
        using var x = QrtTensor.Zeros(DType.F32, [2, 4], Gpu);
        using var w = QrtTensor.Zeros(DType.F32, [4], Gpu);
        using var y = QrtTensor.Zeros(DType.BF16, [2, 4], Gpu);

        var error = Assert.Throws<QrtException>(() => Qrt.Runtime.Ops.RmsNorm(Stream, x, w, 1e-5f, y));

        Assert.That(error!.Status, Is.EqualTo(QrtStatus.Unsupported));
        Assert.That(error.Message, Does.Contain("'y'"));
    }

    private static double RelativeTolerance(DType dtype, int cols) => dtype switch
    {
        DType.F16 => Math.Pow(2, -9),
        DType.BF16 => Math.Pow(2, -6),
        _ => cols * Math.Pow(2, -23),
    };
}
