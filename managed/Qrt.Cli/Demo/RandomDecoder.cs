using Qrt.Runtime;
using Qrt.Runtime.Layers;

namespace Qrt.Cli.Demo;

/// <summary>
/// A small Llama-style decoder with random weights, built from libqrt's ops: embedding, fused
/// residual-add RMSNorm, a fused qkv projection, rotary embedding, causal grouped-query attention over a
/// contiguous KV cache, a SwiGLU MLP, and a BF16 LM head. Each projection uses a different weight scheme,
/// so one forward pass exercises every GEMM family.
/// </summary>
internal sealed class RandomDecoder : IDisposable
{
    private readonly DecoderShape _shape;
    private readonly QrtTensor _embedding;
    private readonly DecoderLayer[] _layers;
    private readonly QrtTensor _finalNorm;
    private readonly ILinear _lmHead;
    private readonly QrtTensor _inverseFrequencies;

    public RandomDecoder(DecoderShape shape, DemoRandom random, Device device)
    {
        _shape = shape;
        _embedding = QrtTensor.FromFloats(random.Normal(shape.Vocabulary * shape.Hidden, 1.0), DType.F32, [shape.Vocabulary, shape.Hidden], device);
        _layers = [.. Enumerable.Range(0, shape.Layers).Select(_ => new DecoderLayer(shape, random, device))];
        _finalNorm = Ones(shape.Hidden, device);
        _lmHead = LinearSchemes.Create("BF16", random.LinearWeights(shape.Vocabulary, shape.Hidden), shape.Vocabulary, shape.Hidden, device);
        var frequencies = Enumerable.Range(0, shape.HeadDim / 2).Select(i => (float)Math.Pow(shape.RopeTheta, -2.0 * i / shape.HeadDim)).ToArray();
        _inverseFrequencies = QrtTensor.FromFloats(frequencies, DType.F32, [frequencies.Length], device);
    }

    /// <summary>The weight scheme of each projection, for the report.</summary>
    public IEnumerable<(string Name, string Scheme)> Schemes =>
        _layers[0].Projections.Append(("lm_head", _lmHead.Scheme));

    /// <summary>
    /// Runs the tokens at positions [position, position + ids.Length) through the model, appending their keys
    /// and values to the cache; returns the greedy next token and its log-probability.
    /// </summary>
    public (int Token, float LogProbability) Forward(QrtStream stream, int[] ids, int position)
    {
        var tokens = ids.Length;
        if (position + tokens > _shape.MaxTokens)
        {
            throw new ArgumentOutOfRangeException(nameof(ids), $"The cache holds {_shape.MaxTokens} tokens; {position + tokens} requested.");
        }

        var device = stream.Device;
        using var idTensor = QrtTensor.FromData<int>(ids, DType.I32, [tokens], device);
        using var positions = QrtTensor.FromData<int>([.. Enumerable.Range(position, tokens)], DType.I32, [tokens], device);
        using var hidden = QrtTensor.Empty(DType.F32, [tokens, _shape.Hidden], device);
        using var residual = QrtTensor.Zeros(DType.F32, [tokens, _shape.Hidden], device);
        using var normed = QrtTensor.Empty(DType.F32, [tokens, _shape.Hidden], device);
        Ops.Embedding(stream, idTensor, _embedding, hidden);

        // Each layer adds its input to the residual stream and normalises it; with a zero residual the first
        // layer's sum is exactly the embedding.
        foreach (var layer in _layers)
        {
            layer.Forward(stream, hidden, residual, normed, positions, _inverseFrequencies, position);
        }

        Ops.AddRmsNorm(stream, hidden, residual, _finalNorm, _shape.Eps, normed);
        using var last = normed.Slice(0, tokens - 1, 1);
        using var logits = QrtTensor.Empty(DType.F32, [1, _shape.Vocabulary], device);
        _lmHead.Forward(stream, last, logits);
        Ops.LogSoftmax(stream, logits, logits);
        using var best = QrtTensor.Empty(DType.I32, [1], device);
        Ops.Argmax(stream, logits, best);
        var token = best.ToArray<int>()[0];
        return (token, logits.ToFloats()[token]);
    }

    public void Dispose()
    {
        _embedding.Dispose();
        foreach (var layer in _layers)
        {
            layer.Dispose();
        }

        _finalNorm.Dispose();
        _lmHead.Dispose();
        _inverseFrequencies.Dispose();
    }

    private static QrtTensor Ones(int count, Device device) =>
        QrtTensor.FromFloats(Enumerable.Repeat(1f, count).ToArray(), DType.F32, [count], device);

    /// <summary>One transformer block and its slice of the KV cache.</summary>
    private sealed class DecoderLayer : IDisposable
    {
        private readonly DecoderShape _shape;
        private readonly QrtTensor _inputNorm;
        private readonly QrtTensor _postAttentionNorm;
        private readonly ILinear _qkv;
        private readonly ILinear _output;
        private readonly ILinear _gateUp;
        private readonly ILinear _down;
        private readonly QrtTensor _keys;
        private readonly QrtTensor _values;

        public DecoderLayer(DecoderShape shape, DemoRandom random, Device device)
        {
            _shape = shape;
            var qkvWidth = (shape.Heads + (2 * shape.KeyValueHeads)) * shape.HeadDim;
            var attentionWidth = shape.Heads * shape.HeadDim;
            _inputNorm = Ones(shape.Hidden, device);
            _postAttentionNorm = Ones(shape.Hidden, device);
            _qkv = LinearSchemes.Create("W4A16 g64", random.LinearWeights(qkvWidth, shape.Hidden), qkvWidth, shape.Hidden, device);
            _output = LinearSchemes.Create("W8A8-INT8", random.LinearWeights(shape.Hidden, attentionWidth), shape.Hidden, attentionWidth, device);
            _gateUp = LinearSchemes.Create("W8A8-FP8", random.LinearWeights(2 * shape.Intermediate, shape.Hidden), 2 * shape.Intermediate, shape.Hidden, device);
            _down = LinearSchemes.Create("W8A16-FP8", random.LinearWeights(shape.Hidden, shape.Intermediate), shape.Hidden, shape.Intermediate, device);
            _keys = QrtTensor.Zeros(DType.F32, [shape.MaxTokens, shape.KeyValueHeads, shape.HeadDim], device);
            _values = QrtTensor.Zeros(DType.F32, [shape.MaxTokens, shape.KeyValueHeads, shape.HeadDim], device);
        }

        public IEnumerable<(string Name, string Scheme)> Projections =>
        [
            ("self_attn.qkv_proj", _qkv.Scheme),
            ("self_attn.o_proj", _output.Scheme),
            ("mlp.gate_up_proj", _gateUp.Scheme),
            ("mlp.down_proj", _down.Scheme),
        ];

        /// <summary>Adds <paramref name="hidden"/> to the residual, runs the block, and leaves its output in <paramref name="hidden"/>.</summary>
        public void Forward(QrtStream stream, QrtTensor hidden, QrtTensor residual, QrtTensor normed, QrtTensor positions, QrtTensor inverseFrequencies, int position)
        {
            var tokens = hidden.Size(0);
            var device = stream.Device;
            var (heads, kvHeads, headDim) = (_shape.Heads, _shape.KeyValueHeads, _shape.HeadDim);
            var width = (heads + (2 * kvHeads)) * headDim;
            Ops.AddRmsNorm(stream, hidden, residual, _inputNorm, _shape.Eps, normed);

            using var qkv = QrtTensor.Empty(DType.F32, [tokens, width], device);
            _qkv.Forward(stream, normed, qkv);
            // q, k and v are strided views into the fused projection: no copies.
            using var q = qkv.View([tokens, heads, headDim], [width, headDim, 1]);
            using var k = qkv.View([tokens, kvHeads, headDim], [width, headDim, 1], heads * headDim);
            using var v = qkv.View([tokens, kvHeads, headDim], [width, headDim, 1], (heads + kvHeads) * headDim);
            Ops.Rope(stream, q, positions, inverseFrequencies);
            Ops.Rope(stream, k, positions, inverseFrequencies);
            using (var keySlot = _keys.Slice(0, position, tokens))
            using (var valueSlot = _values.Slice(0, position, tokens))
            {
                Ops.Copy(stream, k, keySlot);
                Ops.Copy(stream, v, valueSlot);
            }

            using var keys = _keys.Slice(0, 0, position + tokens);
            using var values = _values.Slice(0, 0, position + tokens);
            using var attention = QrtTensor.Empty(DType.F32, [tokens, heads, headDim], device);
            Ops.Attention(stream, q, keys, values, AttentionMask.CausalMask, 1f / MathF.Sqrt(headDim), attention);
            using var attentionRows = attention.Reshape([tokens, heads * headDim]);
            _output.Forward(stream, attentionRows, hidden);
            Ops.AddRmsNorm(stream, hidden, residual, _postAttentionNorm, _shape.Eps, normed);

            using var gateUp = QrtTensor.Empty(DType.F32, [tokens, 2 * _shape.Intermediate], device);
            _gateUp.Forward(stream, normed, gateUp);
            using var gate = gateUp.Slice(1, 0, _shape.Intermediate);
            using var up = gateUp.Slice(1, _shape.Intermediate, _shape.Intermediate);
            using var activated = QrtTensor.Empty(DType.F32, [tokens, _shape.Intermediate], device);
            Ops.ActivateGated(stream, Activation.Silu, gate, up, activated);
            _down.Forward(stream, activated, hidden);
        }

        public void Dispose()
        {
            _inputNorm.Dispose();
            _postAttentionNorm.Dispose();
            _qkv.Dispose();
            _output.Dispose();
            _gateUp.Dispose();
            _down.Dispose();
            _keys.Dispose();
            _values.Dispose();
        }
    }
}

/// <summary>Sizes of the demo decoder.</summary>
internal sealed record DecoderShape(
    int Vocabulary = 512,
    int Hidden = 256,
    int Layers = 2,
    int Heads = 8,
    int KeyValueHeads = 2,
    int HeadDim = 32,
    int Intermediate = 512,
    int MaxTokens = 128,
    double RopeTheta = 10000.0,
    float Eps = 1e-5f);
