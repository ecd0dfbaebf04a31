using NUnit.Framework;
using Qrt.Runtime.Tests.Ops;
using Qrt.Runtime.Tests.Support;

namespace Qrt.Runtime.Tests.Cuda;

/// <summary>
/// The MoE routing ops chained on the CUDA device against the same chain on the CPU. Routing must choose the same
/// experts (the logits lie on a grid of 1/8, so distinct probabilities are a factor e^(1/8) apart, far beyond
/// rounding) with weights within (4E + 2k + 24)·2^-24 relative of the CPU's: the probabilities' FP32 sums are added in
/// another order and expf may differ by 3 ulp (native test_cuda_moe derives the bound). The sort and the gather are
/// exact, and the combine, given the same weights, adds the same FP32 products in the same order: the same bits.
/// </summary>
[TestFixture]
internal sealed class CudaMoeTests : CudaStreamFixture
{
    private const int Hidden = 40;

    [TestCase(1, 8, 2)]
    [TestCase(37, 8, 2)]
    [TestCase(37, 5, 3)]
    public void RoutingChain_OnTheDevice_MatchesTheCpu(int tokens, int experts, int topK)
    {
        var data = new TestData(tokens * 17 + experts * 3 + topK);
        var logits = MoeOpsTests.GridLogits(data, tokens, experts);
        var x = data.Normal(tokens * Hidden);
        var expertOut = data.Normal(tokens * topK * Hidden);
        using var cpuStream = new QrtStream(Device.Cpu);
        var cpu = RunChain(cpuStream, Device.Cpu, logits, x, expertOut, null, tokens, experts, topK);
        var gpu = RunChain(Stream, Gpu, logits, x, expertOut, cpu.Weights, tokens, experts, topK);

        Assert.That(gpu.Ids, Is.EqualTo(cpu.Ids), "experts");
        var bound = ((4.0 * experts) + (2.0 * topK) + 24) * Math.Pow(2, -24) * 1.01;
        for (var i = 0; i < cpu.Weights.Length; i++)
        {
            Assert.That(Math.Abs(gpu.Weights[i] - cpu.Weights[i]), Is.LessThanOrEqualTo(bound * cpu.Weights[i]), $"weight {i}");
        }

        Assert.That(gpu.SortedRows, Is.EqualTo(cpu.SortedRows), "sorted rows");
        Assert.That(gpu.Offsets, Is.EqualTo(cpu.Offsets), "expert offsets");
        Assert.That(gpu.Positions, Is.EqualTo(cpu.Positions), "row positions");
        Assert.That(gpu.Gathered, Is.EqualTo(cpu.Gathered), "gathered rows");
        Assert.That(gpu.Combined, Is.EqualTo(cpu.Combined), "combined rows (BF16)");
    }

    private sealed record Chain(int[] Ids, float[] Weights, int[] SortedRows, int[] Offsets, int[] Positions, float[] Gathered, float[] Combined);

    /// <summary>Route, sort, gather and combine on one device; combine uses <paramref name="combineWeights"/> if given.</summary>
    private static Chain RunChain(QrtStream stream, Device device, float[] logits, float[] x, float[] expertOut, float[]? combineWeights, int tokens, int experts, int topK)
    {
        var rows = tokens * topK;
        using var tLogits = QrtTensor.FromFloats(logits, DType.BF16, [tokens, experts], device);
        using var tx = QrtTensor.FromFloats(x, DType.BF16, [tokens, Hidden], device);
        using var ids = QrtTensor.Empty(DType.I32, [tokens, topK], device);
        using var weights = QrtTensor.Empty(DType.F32, [tokens, topK], device);
        using var sortedRows = QrtTensor.Empty(DType.I32, [rows], device);
        using var offsets = QrtTensor.Empty(DType.I32, [experts + 1], device);
        using var positions = QrtTensor.Empty(DType.I32, [tokens, topK], device);
        using var xs = QrtTensor.Empty(DType.BF16, [rows, Hidden], device);
        using var tExpertOut = QrtTensor.FromFloats(expertOut, DType.BF16, [rows, Hidden], device);
        using var y = QrtTensor.Empty(DType.BF16, [tokens, Hidden], device);

        Qrt.Runtime.Ops.MoeRoute(stream, tLogits, topK, renormalize: true, ids, weights);
        Qrt.Runtime.Ops.MoeSort(stream, ids, experts, sortedRows, offsets, positions);
        Qrt.Runtime.Ops.MoeGather(stream, tx, sortedRows, topK, xs);
        var routed = weights.ToArray<float>();
        using var sameWeights = combineWeights is null ? null : QrtTensor.FromData<float>(combineWeights, DType.F32, [tokens, topK], device);
        Qrt.Runtime.Ops.MoeCombine(stream, tExpertOut, positions, sameWeights ?? weights, ids, y);
        stream.Synchronize();
        return new Chain(ids.ToArray<int>(), routed, sortedRows.ToArray<int>(), offsets.ToArray<int>(), positions.ToArray<int>(), xs.ToFloats(), y.ToFloats());
    }
}
