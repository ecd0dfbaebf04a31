using Qrt.Runtime.Layers;
using Qrt.Runtime.Models.Architectures;
using Qrt.Runtime.Models.Decoder;

namespace Qrt.Runtime.Models.Loading;

/// <summary>How each kind of linear layer of a built model is stored, counted over layers and experts.</summary>
internal static class SchemeSummary
{
    /// <summary>One entry per (layer kind, scheme), in network order.</summary>
    public static IReadOnlyList<LayerKindScheme> Of(DecoderPlan plan, DecoderModel model)
    {
        var layers = Pair(plan.Linears(), model.LinearSchemes()).ToList();
        if (plan.LmHead is null)
        {
            layers.Add(("lm_head (tied to embed_tokens)", model.LmHead.Scheme));
        }

        return Count(layers);
    }

    /// <summary>The (kind, scheme) of each built layer, <paramref name="built"/>[i] made from <paramref name="planned"/>[i].</summary>
    public static IEnumerable<(string Kind, string Scheme)> Pair(IEnumerable<PlannedLinear> planned, IEnumerable<ILinear> built) =>
        Pair(planned, built.Select(layer => layer.Scheme));

    /// <summary>The (kind, scheme) of each built layer, given by its scheme: <paramref name="built"/>[i] made from <paramref name="planned"/>[i].</summary>
    public static IEnumerable<(string Kind, string Scheme)> Pair(IEnumerable<PlannedLinear> planned, IEnumerable<string> built)
    {
        var plannedList = planned.ToList();
        var builtList = built.ToList();
        if (builtList.Count != plannedList.Count)
        {
            throw new InvalidOperationException($"the model has {builtList.Count} linear layers but its plan {plannedList.Count}");
        }

        return plannedList.Zip(builtList, (plan, scheme) => (plan.Kind, scheme));
    }

    /// <summary>One entry per distinct (kind, scheme) of <paramref name="layers"/>, in first-seen order, with its count.</summary>
    public static IReadOnlyList<LayerKindScheme> Count(IEnumerable<(string Kind, string Scheme)> layers)
    {
        var counts = new Dictionary<(string Kind, string Scheme), int>();
        var order = new List<(string Kind, string Scheme)>();
        foreach (var key in layers)
        {
            if (counts.TryAdd(key, 1))
            {
                order.Add(key);
            }
            else
            {
                counts[key]++;
            }
        }

        return [.. order.Select(key => new LayerKindScheme(key.Kind, key.Scheme, counts[key]))];
    }
}
