using Qrt.Runtime.Layers;

namespace Qrt.Runtime.Models.Decoder;

/// <summary>
/// Mixtral's sparse mixture of experts. The router scores every expert; a softmax in FP32 over all of them gives
/// probabilities; each token keeps its <c>k</c> most probable experts, renormalised to sum to one; only those
/// experts run, each on the tokens that chose it, and their outputs are added weighted by the kept
/// probabilities, expert by expert in index order as transformers does.
/// </summary>
internal sealed class SparseMoe(ILinear router, IReadOnlyList<GatedMlp> experts, int expertsPerToken) : IFeedForward
{
    /// <inheritdoc />
    public IEnumerable<string> LinearSchemes => experts.SelectMany(expert => expert.LinearSchemes).Prepend(router.Scheme);

    /// <inheritdoc />
    public void Forward(QrtStream stream, QrtTensor x, QrtTensor y)
    {
        var tokens = checked((int)x.Size(0));
        var hidden = checked((int)x.Size(1));
        var device = stream.Device;
        float[] probabilities;
        using (var logits = QrtTensor.Empty(DType.F32, [tokens, experts.Count], device))
        {
            router.Forward(stream, x, logits);
            Ops.Softmax(stream, logits, logits);
            stream.Synchronize();
            probabilities = logits.ToArray<float>();
        }

        var routes = Route(probabilities, tokens);
        // Routing is decided on the host: the gather and the weighted sum below are plain loops.
        var input = x.ToArray<float>();
        var sum = new float[tokens * hidden];
        for (var expert = 0; expert < experts.Count; expert++)
        {
            var chosen = routes[expert];
            if (chosen.Count == 0)
            {
                continue;
            }

            var output = RunExpert(stream, experts[expert], input, hidden, chosen);
            for (var i = 0; i < chosen.Count; i++)
            {
                var (token, weight) = chosen[i];
                var target = sum.AsSpan(token * hidden, hidden);
                var source = output.AsSpan(i * hidden, hidden);
                for (var h = 0; h < hidden; h++)
                {
                    target[h] += source[h] * weight;
                }
            }
        }

        y.CopyFrom<float>(sum);
    }

    public void Dispose()
    {
        router.Dispose();
        foreach (var expert in experts)
        {
            expert.Dispose();
        }
    }

    /// <summary>For each expert, the tokens that chose it and their renormalised weights.</summary>
    private List<(int Token, float Weight)>[] Route(float[] probabilities, int tokens)
    {
        var expertCount = experts.Count;
        var routes = new List<(int Token, float Weight)>[expertCount];
        for (var e = 0; e < expertCount; e++)
        {
            routes[e] = [];
        }

        Span<int> best = stackalloc int[expertsPerToken];
        for (var t = 0; t < tokens; t++)
        {
            var row = probabilities.AsSpan(t * expertCount, expertCount);
            TopK(row, best);
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

    /// <summary>The indices of the k largest values, largest first; on ties the lower index wins.</summary>
    private static void TopK(ReadOnlySpan<float> values, Span<int> best)
    {
        for (var slot = 0; slot < best.Length; slot++)
        {
            var pick = -1;
            for (var i = 0; i < values.Length; i++)
            {
                if (best[..slot].Contains(i))
                {
                    continue;
                }

                if (pick < 0 || values[i] > values[pick])
                {
                    pick = i;
                }
            }

            best[slot] = pick;
        }
    }

    private static float[] RunExpert(QrtStream stream, GatedMlp expert, float[] input, int hidden, List<(int Token, float Weight)> chosen)
    {
        var gathered = new float[chosen.Count * hidden];
        for (var i = 0; i < chosen.Count; i++)
        {
            input.AsSpan(chosen[i].Token * hidden, hidden).CopyTo(gathered.AsSpan(i * hidden, hidden));
        }

        using var rows = QrtTensor.FromData<float>(gathered, DType.F32, [chosen.Count, hidden], stream.Device);
        using var output = QrtTensor.Empty(DType.F32, [chosen.Count, hidden], stream.Device);
        expert.Forward(stream, rows, output);
        stream.Synchronize();
        return output.ToArray<float>();
    }
}
