using Qrt.Runtime.Checkpoints;
using Qrt.Runtime.Tests.Models.Multimodal;
using Qrt.Runtime.Tests.Models.Reference;

namespace Qrt.Runtime.Tests.Models.Forward;

/// <summary>What one full forward pass of the naive decoder produced.</summary>
/// <param name="Logits">The logits of every position, [position][vocab].</param>
/// <param name="Experts">Mixtral's routing, [layer][position] = the chosen experts, most probable first; empty for dense models.</param>
internal sealed record NaiveForward(double[][] Logits, int[][][] Experts);

/// <summary>
/// LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM and MixtralForCausalLM written out plainly from
/// transformers' modeling code, in double precision, over an unquantized checkpoint read by the test's own
/// code. No KV cache: every call recomputes all positions, so it is the reference the cached runtime is held to.
/// Per block: h += o_proj(attention(rope(q), rope(k), v)) on RMSNorm(h); h += feed_forward(RMSNorm(h)); then
/// a final RMSNorm and the LM head (or the embedding table when tied). The language model of a vision-language
/// checkpoint runs the same way, with image features in place of some token embeddings and, for Qwen2-VL, M-RoPE.
/// </summary>
internal sealed class NaiveDecoder
{
    private readonly Dictionary<string, double[]> _tensors;

    private NaiveDecoder(NaiveConfig config, Dictionary<string, double[]> tensors)
    {
        Config = config;
        _tensors = tensors;
    }

    public NaiveConfig Config { get; }

    /// <summary>Reads config.json and every tensor of the checkpoint in <paramref name="directory"/>.</summary>
    public static NaiveDecoder Load(string directory)
    {
        var config = NaiveConfig.Read(directory);
        using var checkpoint = SafetensorsCheckpoint.Open(directory);
        var tensors = checkpoint.Names.ToDictionary(name => name, name => CheckpointValues.Floats(checkpoint, name), StringComparer.Ordinal);
        return new NaiveDecoder(config, tensors);
    }

    /// <summary>Runs <paramref name="tokens"/> at positions 0..n-1 and returns every position's logits.</summary>
    public NaiveForward Run(IReadOnlyList<int> tokens) => Run(tokens, null, null);

    /// <summary>
    /// Runs <paramref name="tokens"/> and returns every position's logits, with the inputs of a vision-language
    /// prompt: <paramref name="replacedEmbeddings"/> maps a position to the row that replaces its token embedding
    /// (image features, as masked_scatter places them), and <paramref name="rotaryPositions"/> [3][n] gives each
    /// token's temporal, height and width position for M-RoPE (null: all three at the token's index).
    /// </summary>
    public NaiveForward Run(IReadOnlyList<int> tokens, IReadOnlyDictionary<int, double[]>? replacedEmbeddings, int[][]? rotaryPositions)
    {
        var config = Config;
        if (config.SlidingWindow is { } window && window < tokens.Count)
        {
            throw new NotSupportedException("the naive decoder does not implement sliding-window attention");
        }

        if (rotaryPositions is not null && (config.MropeSection is null || rotaryPositions.Length != 3 || rotaryPositions.Any(axis => axis.Length != tokens.Count)))
        {
            throw new ArgumentException("rotary positions are three arrays of one per token, for a model with an mrope_section", nameof(rotaryPositions));
        }

        var embedding = Tensor("model.embed_tokens.weight");
        var hidden = tokens
            .Select(token => embedding.AsSpan(token * config.HiddenSize, config.HiddenSize).ToArray())
            .ToArray();
        foreach (var (position, row) in replacedEmbeddings ?? new Dictionary<int, double[]>())
        {
            hidden[position] = row.Length == config.HiddenSize ? [.. row] : throw new ArgumentException($"a replacement row has {row.Length} values, not {config.HiddenSize}");
        }
        var experts = new int[config.LayerCount][][];
        for (var layer = 0; layer < config.LayerCount; layer++)
        {
            var prefix = $"model.layers.{layer}";
            var normed = Normed(hidden, $"{prefix}.input_layernorm.weight");
            var attended = Attention($"{prefix}.self_attn", normed, rotaryPositions);
            hidden = [.. hidden.Select((h, p) => NaiveMath.Add(h, attended[p]))];

            normed = Normed(hidden, $"{prefix}.post_attention_layernorm.weight");
            experts[layer] = new int[tokens.Count][];
            for (var p = 0; p < tokens.Count; p++)
            {
                double[] fed;
                if (config.IsMixtral)
                {
                    (fed, experts[layer][p]) = SparseMoe($"{prefix}.block_sparse_moe", normed[p]);
                }
                else
                {
                    fed = Mlp($"{prefix}.mlp", ("gate_proj", "up_proj", "down_proj"), config.MlpBias, normed[p]);
                    experts[layer][p] = [];
                }

                hidden[p] = NaiveMath.Add(hidden[p], fed);
            }
        }

        var head = config.TieWordEmbeddings ? embedding : Tensor("lm_head.weight");
        var logits = Normed(hidden, "model.norm.weight")
            .Select(x => NaiveMath.Linear(head, null, x, config.VocabSize))
            .ToArray();
        return new NaiveForward(logits, experts);
    }

    private double[][] Normed(double[][] hidden, string weightName)
    {
        var weight = Tensor(weightName);
        return [.. hidden.Select(h => NaiveMath.RmsNorm(h, weight, Config.RmsNormEps))];
    }

    /// <summary>
    /// Causal grouped-query attention: query head h reads key/value head h / (heads / kv_heads) (transformers'
    /// repeat_kv), scores q·k / sqrt(head_dim) over positions 0..p, softmax, weighted sum of values, o_proj.
    /// </summary>
    private double[][] Attention(string prefix, double[][] normed, int[][]? rotaryPositions)
    {
        var config = Config;
        var d = config.HeadDim;
        var groups = config.Heads / config.KeyValueHeads;
        double[] Project(string name, double[] x, int width, bool bias) =>
            NaiveMath.Linear(Tensor($"{prefix}.{name}.weight"), bias ? Tensor($"{prefix}.{name}.bias") : null, x, width);

        var queries = new double[normed.Length][];
        var keys = new double[normed.Length][];
        var values = new double[normed.Length][];
        for (var p = 0; p < normed.Length; p++)
        {
            queries[p] = Project("q_proj", normed[p], config.Heads * d, config.QkvBias);
            keys[p] = Project("k_proj", normed[p], config.KeyValueHeads * d, config.QkvBias);
            values[p] = Project("v_proj", normed[p], config.KeyValueHeads * d, config.QkvBias);
            for (var head = 0; head < config.Heads; head++)
            {
                Rotate(queries[p], head * d, p, rotaryPositions);
            }

            for (var head = 0; head < config.KeyValueHeads; head++)
            {
                Rotate(keys[p], head * d, p, rotaryPositions);
            }
        }

        var scale = 1.0 / Math.Sqrt(d);
        var output = new double[normed.Length][];
        for (var p = 0; p < normed.Length; p++)
        {
            var heads = new double[config.Heads * d];
            for (var head = 0; head < config.Heads; head++)
            {
                var kv = (head / groups) * d;
                var scores = new double[p + 1];
                for (var j = 0; j <= p; j++)
                {
                    var dot = 0.0;
                    for (var i = 0; i < d; i++)
                    {
                        dot += queries[p][(head * d) + i] * keys[j][kv + i];
                    }

                    scores[j] = dot * scale;
                }

                var weights = NaiveMath.Softmax(scores);
                for (var j = 0; j <= p; j++)
                {
                    for (var i = 0; i < d; i++)
                    {
                        heads[(head * d) + i] += weights[j] * values[j][kv + i];
                    }
                }
            }

            output[p] = Project("o_proj", heads, config.HiddenSize, config.OutputBias);
        }

        return output;
    }

    /// <summary>The head at <paramref name="offset"/> of token <paramref name="p"/>: 1-D rotary at p, or M-RoPE at its three positions.</summary>
    private void Rotate(double[] values, int offset, int p, int[][]? rotaryPositions)
    {
        var config = Config;
        if (config.MropeSection is not { } sections)
        {
            NaiveRotary.Apply(values, offset, config.HeadDim, p, config.RopeTheta);
            return;
        }

        int[] positions = rotaryPositions is null ? [p, p, p] : [rotaryPositions[0][p], rotaryPositions[1][p], rotaryPositions[2][p]];
        NaiveMultimodalRotary.Apply(values, offset, config.HeadDim, positions, sections, config.RopeTheta);
    }

    /// <summary>SwiGLU: down(silu(gate(x)) · up(x)).</summary>
    private double[] Mlp(string prefix, (string Gate, string Up, string Down) names, bool bias, double[] x)
    {
        var config = Config;
        double[] Project(string name, double[] input, int width) =>
            NaiveMath.Linear(Tensor($"{prefix}.{name}.weight"), bias ? Tensor($"{prefix}.{name}.bias") : null, input, width);

        var gate = Project(names.Gate, x, config.IntermediateSize);
        var up = Project(names.Up, x, config.IntermediateSize);
        var product = gate.Select((g, i) => NaiveMath.Silu(g) * up[i]).ToArray();
        return Project(names.Down, product, config.HiddenSize);
    }

    /// <summary>
    /// Mixtral's sparse MoE: router logits, softmax over all experts, the k most probable (lower index first on a
    /// tie), their probabilities renormalised to sum to 1, and the weighted sum of only those experts' outputs.
    /// </summary>
    private (double[] Output, int[] Chosen) SparseMoe(string prefix, double[] x)
    {
        var config = Config;
        var probabilities = NaiveMath.Softmax(NaiveMath.Linear(Tensor($"{prefix}.gate.weight"), null, x, config.ExpertCount));
        var chosen = Enumerable.Range(0, config.ExpertCount)
            .OrderByDescending(expert => probabilities[expert])
            .ThenBy(expert => expert)
            .Take(config.ExpertsPerToken)
            .ToArray();
        var total = chosen.Sum(expert => probabilities[expert]);
        var output = new double[config.HiddenSize];
        foreach (var expert in chosen)
        {
            var y = Mlp($"{prefix}.experts.{expert}", ("w1", "w3", "w2"), bias: false, x);
            var weight = probabilities[expert] / total;
            for (var i = 0; i < output.Length; i++)
            {
                output[i] += weight * y[i];
            }
        }

        return (output, chosen);
    }

    /// <summary>A language-model tensor by its text-checkpoint name, under the checkpoint's prefix (Llava's language_model.).</summary>
    private double[] Tensor(string name) =>
        _tensors.TryGetValue(Config.TensorPrefix + name, out var values) ? values : throw new KeyNotFoundException($"the checkpoint has no tensor '{Config.TensorPrefix}{name}'");
}
