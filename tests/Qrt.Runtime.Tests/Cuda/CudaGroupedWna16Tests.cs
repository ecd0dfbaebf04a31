using NUnit.Framework;
using Qrt.Runtime.Tests.Ops.Gemm;
using Qrt.Runtime.Tests.Support;

namespace Qrt.Runtime.Tests.Cuda;

/// <summary>
/// The grouped W4A16 ops with the stacked weights on the CUDA device, against <see cref="Qrt.Runtime.Ops.GemmWna16"/>
/// on the CPU segment by segment. The kernel sums x·(q − z) exactly per block and scales each group sum in FP32, the
/// CPU sums the exact products in FP32: each result lies within γ(K + 2)·Σ|terms| of the exact value (K products, the
/// group scalings and the bias), so the two lie within twice that of each other (y is FP32: no further rounding).
/// </summary>
[TestFixture]
internal sealed class CudaGroupedWna16Tests : CudaStreamFixture
{
    [TestCase(false, false)]
    [TestCase(true, false)]
    [TestCase(false, true)]
    public void GemmWna16RepackedGrouped_OnTheDevice_MatchesGemmWna16OnTheCpu(bool symmetric, bool actOrder)
    {
        var problem = new GroupedWna16Problem(
            TensorCodec.Seed(symmetric ? 1 : 0, actOrder ? 1 : 0, 33), [1, 0, 18, 2, 0], groupSize: 64, symmetric, actOrder);
        using var cpu = new QrtStream(Device.Cpu);
        var expected = problem.Reference(cpu);
        var actual = problem.Grouped(Stream, Gpu);
        var gamma = (GroupedWna16Problem.K + 2) * Math.Pow(2, -24) / (1 - ((GroupedWna16Problem.K + 2) * Math.Pow(2, -24)));
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.That(actual[i], Is.EqualTo(expected[i]).Within(2 * gamma * problem.Magnitude(i)), $"y[{i}]");
        }
    }
}
