using System.Globalization;
using Qrt.Runtime.Layers;
using Qrt.Runtime.Models.KvCache;

namespace Qrt.Runtime.Models.Decoder;

/// <summary>
/// A Llama-family decoder (Llama, Mistral, Qwen2, Mixtral) built from a checkpoint: embedding, blocks, final
/// RMSNorm and LM head, with activations in FP32 and the KV cache in paged blocks. Weights stay in their
/// checkpoint form (packed int4, int8, fp8 or bf16); each linear layer's kernel reads them as they are.
/// </summary>
internal sealed class DecoderModel : ICausalLanguageModel
{
    private readonly QrtStream _stream;
    private readonly QrtTensor _embedding;
    private readonly DecoderLayer[] _layers;
    private readonly QrtTensor _finalNorm;
    private readonly ILinear _lmHead;
    private readonly QrtTensor _inverseFrequencies;
    private readonly float _eps;
    private readonly int _hidden;
    private readonly PagedKvCache _cache;
    private readonly bool _lmHeadTied;

    public DecoderModel(
        Device device, QrtTensor embedding, DecoderLayer[] layers, QrtTensor finalNorm, ILinear lmHead, QrtTensor inverseFrequencies,
        float eps, int maxContextLength, PagedKvCache cache, bool lmHeadTied)
    {
        _lmHeadTied = lmHeadTied;
        _stream = new QrtStream(device);
        _embedding = embedding;
        _layers = layers;
        _finalNorm = finalNorm;
        _lmHead = lmHead;
        _inverseFrequencies = inverseFrequencies;
        _eps = eps;
        _hidden = checked((int)embedding.Size(1));
        _cache = cache;
        MaxContextLength = maxContextLength;
        VocabularySize = checked((int)lmHead.OutFeatures);
    }

    /// <inheritdoc />
    public int VocabularySize { get; }

    /// <inheritdoc />
    public int MaxContextLength { get; }

    /// <summary>The KV cache pool, for memory reports.</summary>
    public PagedKvCache Cache => _cache;

    /// <summary>The output projection.</summary>
    public ILinear LmHead => _lmHead;

    /// <summary>Every linear layer except a tied LM head, in the order of <see cref="Architectures.DecoderPlan.Linears"/>.</summary>
    public IEnumerable<ILinear> Linears()
    {
        foreach (var layer in _layers)
        {
            foreach (var linear in layer.Attention.Linears.Concat(layer.FeedForward.Linears))
            {
                yield return linear;
            }
        }

        if (!_lmHeadTied)
        {
            yield return _lmHead;
        }
    }

    /// <inheritdoc />
    public IModelSequence StartSequence() => new DecoderSequence(this, new SequenceBlocks(_cache));

    public void Dispose()
    {
        foreach (var layer in _layers)
        {
            layer.Dispose();
        }

        _lmHead.Dispose();
        _embedding.Dispose();
        _finalNorm.Dispose();
        _inverseFrequencies.Dispose();
        _cache.Dispose();
        _stream.Dispose();
    }

    /// <summary>Checks that <paramref name="tokens"/> fit after the sequence's and are in the vocabulary.</summary>
    internal void CheckTokens(SequenceBlocks blocks, ReadOnlySpan<int> tokens)
    {
        if (tokens.IsEmpty)
        {
            throw new ArgumentException("at least one token is needed", nameof(tokens));
        }

        if (blocks.Length + tokens.Length > MaxContextLength)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"{tokens.Length} tokens after {blocks.Length} exceed the context length of {MaxContextLength}"),
                nameof(tokens));
        }

        foreach (var id in tokens)
        {
            if ((uint)id >= (uint)_embedding.Size(0))
            {
                throw new ArgumentException(
                    string.Create(CultureInfo.InvariantCulture, $"token id {id} is outside the vocabulary of {_embedding.Size(0)}"), nameof(tokens));
            }
        }
    }

    /// <summary>Runs checked new tokens of a sequence through the network and returns the last one's logits.</summary>
    internal float[] Forward(SequenceBlocks blocks, ReadOnlySpan<int> tokens, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var device = _stream.Device;
        var count = tokens.Length;
        using var step = new DecoderStep(_stream, blocks, count, cancellationToken);
        using var ids = QrtTensor.FromData(tokens, DType.I32, [count], device);
        using var hidden = QrtTensor.Empty(DType.F32, [count, _hidden], device);
        using var residual = QrtTensor.Zeros(DType.F32, [count, _hidden], device);
        using var normed = QrtTensor.Empty(DType.F32, [count, _hidden], device);
        Ops.Embedding(_stream, ids, _embedding, hidden);

        // With a zero residual, the first block's fused add leaves exactly the embeddings in the residual stream.
        foreach (var layer in _layers)
        {
            cancellationToken.ThrowIfCancellationRequested();
            layer.Forward(step, _cache, hidden, residual, normed);
        }

        blocks.Commit(count);
        Ops.AddRmsNorm(_stream, hidden, residual, _finalNorm, _eps, normed);
        using var last = normed.Slice(0, count - 1, 1);
        using var logits = QrtTensor.Empty(DType.F32, [1, VocabularySize], device);
        _lmHead.Forward(_stream, last, logits);
        _stream.Synchronize();
        return logits.ToArray<float>();
    }
}
