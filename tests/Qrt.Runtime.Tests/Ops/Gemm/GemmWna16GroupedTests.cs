using NUnit.Framework;
using Qrt.Runtime.Interop;
using Qrt.Runtime.Tests.Support;

namespace Qrt.Runtime.Tests.Ops.Gemm;

/// <summary>
/// The grouped W4A16 ops (<see cref="Qrt.Runtime.Ops.GemmWna16RepackedGrouped"/>,
/// <see cref="Qrt.Runtime.Ops.GatherColumnsGrouped"/>, <see cref="Qrt.Runtime.Ops.RepackWna16IntoStack"/>) on the CPU
/// backend against <see cref="Qrt.Runtime.Ops.GemmWna16"/> on each expert's weight before the repack, segment by
/// segment.
/// </summary>
[TestFixture]
internal sealed class GemmWna16GroupedTests : CpuStreamFixture
{
    [Test]
    public void GemmWna16RepackedGrouped_GivesEachSegmentTheBitsOfGemmWna16_WithItsExpert()
    {
        // Each segment runs the repacked op on its expert's slice, whose panels are qrt_gemm_wna16's: the same bits.
        var problem = new GroupedWna16Problem(TensorCodec.Seed(31), [2, 0, 3, 1], groupSize: 64, symmetric: false, actOrder: false);
        Assert.That(problem.Grouped(Stream, Device.Cpu), Is.EqualTo(problem.Reference(Stream)));
    }

    [Test]
    public void GatherColumnsGrouped_WithEachExpertsOrder_GivesGemmWna16sResult_WithItsGroupIndex()
    {
        var problem = new GroupedWna16Problem(TensorCodec.Seed(32), [0, 3, 2], groupSize: 32, symmetric: true, actOrder: true);
        var expected = problem.Reference(Stream);
        var actual = problem.Grouped(Stream, Device.Cpu);
        // Both are FP32 sums of the same exact products (and the bias) in different orders, each within
        // γ(K + 2)·Σ|terms| of the exact value: they differ by at most twice that.
        var gamma = (GroupedWna16Problem.K + 2) * Math.Pow(2, -24) / (1 - ((GroupedWna16Problem.K + 2) * Math.Pow(2, -24)));
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.That(actual[i], Is.EqualTo(expected[i]).Within(2 * gamma * problem.Magnitude(i)), $"y[{i}]");
        }
    }

    [Test]
    public void GatherColumnsGrouped_PermutesEachSegmentWithItsExpertsIndices()
    {
        const int k = 4;
        float[] values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
        using var x = QrtTensor.FromFloats(values, DType.F32, [3, k]);
        using var indices = QrtTensor.FromData<int>([3, 2, 1, 0, 0, 0, 0, 0, 1, 3, 0, 2], DType.I32, [3, k]);
        using var offsets = QrtTensor.FromData<int>([0, 1, 1, 3], DType.I32, [4]);
        using var y = QrtTensor.Empty(DType.F32, [3, k]);
        Qrt.Runtime.Ops.GatherColumnsGrouped(Stream, x, indices, offsets, y);
        Assert.That(y.ToArray<float>(), Is.EqualTo(new float[] { 4, 3, 2, 1, 6, 8, 5, 7, 10, 12, 9, 11 }));
    }

    [Test]
    public void GemmWna16RepackedGrouped_RefusesOffsetsThatDoNotRiseFromZeroToTheRowCount()
    {
        using var x = QrtTensor.Zeros(DType.F32, [4, GroupedWna16Problem.K]);
        using var weight = QrtTensor.Zeros(DType.I32, [2, GroupedWna16Problem.K / 16, 2 * GroupedWna16Problem.N]);
        using var scale = QrtTensor.Zeros(DType.F32, [2, 1, GroupedWna16Problem.N]);
        using var y = QrtTensor.Empty(DType.F32, [4, GroupedWna16Problem.N]);
        foreach (var bad in new[] { new[] { 1, 2, 4 }, [0, 3, 2], [0, 2, 3] })
        {
            using var offsets = QrtTensor.FromData<int>(bad, DType.I32, [3]);
            var error = Assert.Throws<QrtException>(
                () => Qrt.Runtime.Ops.GemmWna16RepackedGrouped(Stream, x, weight, scale, null, 0, null, offsets, y));
            Assert.That(error!.Message, Does.Contain("'expert_offsets'"), string.Join(", ", bad));
        }
    }
}
