using Qrt.Runtime.Tests.Support;
using static Qrt.Runtime.Tests.Support.Rejection;

namespace Qrt.Runtime.Tests.Ops;

/// <summary>
/// The MoE routing ops chained on the CPU — route, sort by expert, gather, stand-in experts over each expert's
/// segment, combine — against the managed SparseMoe's own steps written out here: qrt_softmax's probabilities, its
/// TopK (largest first, lower index on ties), renormalisation by the kept sum, each expert run on the tokens that
/// chose it in token order, and the weighted outputs added expert by expert in index order. The same FP32 operations
/// in the same order, so every result must be the same bits.
/// </summary>
[TestFixture]
internal sealed class MoeOpsTests : CpuStreamFixture
{
    private const int Hidden = 6;

    [TestCase(1, 8, 2)]
    [TestCase(37, 8, 2)]
    [TestCase(1, 5, 3)]
    [TestCase(37, 5, 3)]
    public void RouteSortGatherCombine_ReproduceSparseMoe(int tokens, int experts, int topK)
    {
        var data = new TestData(tokens * 131 + experts * 7 + topK);
        var logits = GridLogits(data, tokens, experts);
        var x = data.Normal(tokens * Hidden);
        using var tLogits = QrtTensor.FromData<float>(logits, DType.F32, [tokens, experts]);
        using var tx = QrtTensor.FromData<float>(x, DType.F32, [tokens, Hidden]);
        using var ids = QrtTensor.Empty(DType.I32, [tokens, topK]);
        using var weights = QrtTensor.Empty(DType.F32, [tokens, topK]);
        using var sortedRows = QrtTensor.Empty(DType.I32, [tokens * topK]);
        using var offsets = QrtTensor.Empty(DType.I32, [experts + 1]);
        using var positions = QrtTensor.Empty(DType.I32, [tokens, topK]);
        using var xs = QrtTensor.Empty(DType.F32, [tokens * topK, Hidden]);
        using var y = QrtTensor.Empty(DType.F32, [tokens, Hidden]);

        Qrt.Runtime.Ops.MoeRoute(Stream, tLogits, topK, renormalize: true, ids, weights);
        Qrt.Runtime.Ops.MoeSort(Stream, ids, experts, sortedRows, offsets, positions);
        Qrt.Runtime.Ops.MoeGather(Stream, tx, sortedRows, topK, xs);
        var gathered = xs.ToArray<float>();
        var offsetValues = offsets.ToArray<int>();
        var expertOut = new float[gathered.Length];
        for (var e = 0; e < experts; e++)
        {
            for (var row = offsetValues[e]; row < offsetValues[e + 1]; row++)
            {
                for (var h = 0; h < Hidden; h++)
                {
                    expertOut[(row * Hidden) + h] = Expert(e, gathered[(row * Hidden) + h]);
                }
            }
        }

        using var tExpertOut = QrtTensor.FromData<float>(expertOut, DType.F32, [tokens * topK, Hidden]);
        Qrt.Runtime.Ops.MoeCombine(Stream, tExpertOut, positions, weights, ids, y);

        var routes = SparseMoeRoutes(logits, tokens, experts, topK);
        var actualIds = ids.ToArray<int>();
        var actualWeights = weights.ToArray<float>();
        var sorted = sortedRows.ToArray<int>();
        for (var e = 0; e < experts; e++)
        {
            // Expert e's segment holds the tokens that chose it, in token order, as SparseMoe runs them.
            var segment = sorted[offsetValues[e]..offsetValues[e + 1]];
            Assert.That(segment.Select(row => row / topK), Is.EqualTo(routes[e].Select(r => r.Token)), $"expert {e}'s segment");
            foreach (var (token, weight) in routes[e])
            {
                var slot = Array.IndexOf(actualIds, e, token * topK, topK) - (token * topK);
                Assert.That(slot, Is.GreaterThanOrEqualTo(0), $"token {token} chose expert {e}");
                Assert.That(actualWeights[(token * topK) + slot], Is.EqualTo(weight), $"weight of token {token} for expert {e}");
            }
        }

        Assert.That(y.ToArray<float>(), Is.EqualTo(SparseMoeSum(routes, x, tokens)), "combined rows");
    }

    [Test]
    public void Route_BreaksTiesTowardTheLowerExpert()
    {
        using var logits = QrtTensor.FromData<float>([1f, 3f, 3f, 0f, 3f, 2f, 2f, 2f, 2f, 2f], DType.F32, [2, 5]);
        using var ids = QrtTensor.Empty(DType.I32, [2, 3]);
        using var weights = QrtTensor.Empty(DType.F32, [2, 3]);

        Qrt.Runtime.Ops.MoeRoute(Stream, logits, 3, renormalize: false, ids, weights);

        Assert.That(ids.ToArray<int>(), Is.EqualTo(new[] { 1, 2, 4, 0, 1, 2 }));
        // Without renormalising the weights are the probabilities: 1/5 for each expert of the constant row.
        Assert.That(weights.ToArray<float>()[3..], Is.EqualTo(new[] { 0.2f, 0.2f, 0.2f }).Within(1e-7f));
    }

    [Test]
    public void Sort_RefusesAnExpertIdOutsideTheExperts()
    {
        using var ids = QrtTensor.FromData<int>([0, 1, 2, 8], DType.I32, [2, 2]);
        using var sortedRows = QrtTensor.Empty(DType.I32, [4]);
        using var offsets = QrtTensor.Empty(DType.I32, [9]);
        using var positions = QrtTensor.Empty(DType.I32, [2, 2]);

        var error = AssertRejected(() => Qrt.Runtime.Ops.MoeSort(Stream, ids, 8, sortedRows, offsets, positions), "qrt_moe_sort", "expert_ids");
        Assert.That(error.Message, Does.Contain("token 1, slot 1 holds 8"));
    }

    [Test]
    public void Combine_RefusesAnOutputThatOverlapsTheExpertRows()
    {
        using var expertOut = QrtTensor.Zeros(DType.F32, [4, Hidden]);
        using var positions = QrtTensor.FromData<int>([0, 1, 2, 3], DType.I32, [2, 2]);
        using var weights = QrtTensor.FromData<float>([0.5f, 0.5f, 0.5f, 0.5f], DType.F32, [2, 2]);
        using var ids = QrtTensor.FromData<int>([0, 1, 0, 1], DType.I32, [2, 2]);
        using var y = expertOut.Slice(0, 1, 2);

        AssertRejected(() => Qrt.Runtime.Ops.MoeCombine(Stream, expertOut, positions, weights, ids, y), "qrt_moe_combine", "y");
    }

    /// <summary>Logits on a grid of 1/8 with ties: every third row repeats its largest logit at odd experts.</summary>
    internal static float[] GridLogits(TestData data, int tokens, int experts)
    {
        var logits = data.Integers(tokens * experts, -32, 32).Select(v => v / 8f).ToArray();
        for (var t = 0; t < tokens; t += 3)
        {
            var row = logits.AsSpan(t * experts, experts);
            var largest = row.ToArray().Max();
            for (var e = 1; e < experts; e += 2)
            {
                row[e] = largest;
            }
        }

        return logits;
    }

    /// <summary>A stand-in expert: an elementwise map that differs per expert.</summary>
    private static float Expert(int expert, float value) => (value * (expert + 1) * 0.5f) + expert;

    /// <summary>SparseMoe.Route: for each expert, the tokens that chose it and their renormalised weights.</summary>
    private List<(int Token, float Weight)>[] SparseMoeRoutes(float[] logits, int tokens, int experts, int topK)
    {
        using var tLogits = QrtTensor.FromData<float>(logits, DType.F32, [tokens, experts]);
        using var probabilitiesTensor = QrtTensor.Empty(DType.F32, [tokens, experts]);
        Qrt.Runtime.Ops.Softmax(Stream, tLogits, probabilitiesTensor);
        var probabilities = probabilitiesTensor.ToArray<float>();
        var routes = Enumerable.Range(0, experts).Select(_ => new List<(int Token, float Weight)>()).ToArray();
        var best = new int[topK];
        for (var t = 0; t < tokens; t++)
        {
            var row = probabilities.AsSpan(t * experts, experts);
            for (var slot = 0; slot < topK; slot++)
            {
                var pick = -1;
                for (var i = 0; i < experts; i++)
                {
                    if (best.AsSpan(0, slot).Contains(i))
                    {
                        continue;
                    }

                    if (pick < 0 || row[i] > row[pick])
                    {
                        pick = i;
                    }
                }

                best[slot] = pick;
            }

            var total = 0f;
            foreach (var e in best)
            {
                total += row[e];
            }

            foreach (var e in best)
            {
                routes[e].Add((t, row[e] / total));
            }
        }

        return routes;
    }

    /// <summary>SparseMoe.Forward's sum: expert by expert in index order, each chosen token's output times its weight.</summary>
    private static float[] SparseMoeSum(List<(int Token, float Weight)>[] routes, float[] x, int tokens)
    {
        var sum = new float[tokens * Hidden];
        for (var e = 0; e < routes.Length; e++)
        {
            foreach (var (token, weight) in routes[e])
            {
                for (var h = 0; h < Hidden; h++)
                {
                    sum[(token * Hidden) + h] += Expert(e, x[(token * Hidden) + h]) * weight;
                }
            }
        }

        return sum;
    }
}
