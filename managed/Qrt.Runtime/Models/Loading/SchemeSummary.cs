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
        var built = model.Linears().ToList();
        var planned = plan.Linears().ToList();
        if (built.Count != planned.Count)
        {
            throw new InvalidOperationException($"the model has {built.Count} linear layers but its plan {planned.Count}");
        }

        var counts = new Dictionary<(string Kind, string Scheme), int>();
        var order = new List<(string Kind, string Scheme)>();
        for (var i = 0; i < built.Count; i++)
        {
            var key = (planned[i].Kind, built[i].Scheme);
            if (counts.TryAdd(key, 1))
            {
                order.Add(key);
            }
            else
            {
                counts[key]++;
            }
        }

        if (plan.LmHead is null)
        {
            var head = ("lm_head (tied to embed_tokens)", model.LmHead.Scheme);
            counts[head] = 1;
            order.Add(head);
        }

        return [.. order.Select(key => new LayerKindScheme(key.Kind, key.Scheme, counts[key]))];
    }
}
