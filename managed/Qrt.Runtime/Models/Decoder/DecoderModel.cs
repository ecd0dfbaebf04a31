using System.Globalization;
using Qrt.Runtime.Layers;
using Qrt.Runtime.Models.KvCache;
using Qrt.Runtime.Models.Loading;

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
    private readonly IReadOnlyList<int>? _multimodalSections;
    private readonly float[] _hostInverseFrequencies;
    private QrtGraph? _decodeGraph;
    private long _decodeGraphAllocations;

    public DecoderModel(
        Device device, QrtTensor embedding, DecoderLayer[] layers, QrtTensor finalNorm, ILinear lmHead, QrtTensor inverseFrequencies,
        float eps, int maxContextLength, PagedKvCache cache, bool lmHeadTied, IReadOnlyList<int>? multimodalSections = null)
    {
        _multimodalSections = multimodalSections;
        _hostInverseFrequencies = multimodalSections is null ? [] : inverseFrequencies.ToArray<float>();
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

    /// <summary>The most tokens one forward step takes; longer inputs run in chunks.</summary>
    public int MaxStepTokens { get; init; } = int.MaxValue;

    /// <summary>Entries of a step's block table: enough blocks for the longest sequence.</summary>
    private int TableWidth => (MaxContextLength + _cache.BlockSize - 1) / _cache.BlockSize;

    /// <summary>The KV cache pool, for memory reports.</summary>
    public PagedKvCache Cache => _cache;

    /// <summary>The output projection.</summary>
    public ILinear LmHead => _lmHead;

    /// <summary>The scheme of every linear layer except a tied LM head, in the order of <see cref="Architectures.DecoderPlan.Linears"/>.</summary>
    public IEnumerable<string> LinearSchemes()
    {
        foreach (var layer in _layers)
        {
            foreach (var scheme in layer.Attention.Linears.Select(linear => linear.Scheme).Concat(layer.FeedForward.LinearSchemes))
            {
                yield return scheme;
            }
        }

        if (!_lmHeadTied)
        {
            yield return _lmHead.Scheme;
        }
    }

    /// <inheritdoc />
    public IModelSequence StartSequence() => new DecoderSequence(this, new SequenceBlocks(_cache));

    /// <summary>Text positions: every axis at the token's index plus the delta.</summary>
    private static int[][] DefaultRotaryPositions(int start, int count, int delta)
    {
        var positions = Enumerable.Range(start + delta, count).ToArray();
        return [positions, positions, positions];
    }

    /// <summary>Overwrites rows of <paramref name="hidden"/> at <paramref name="positions"/> with <paramref name="rows"/>.</summary>
    private void ReplaceRows(QrtTensor hidden, float[] rows, int[] positions)
    {
        using var replacement = QrtTensor.FromData<float>(rows, DType.F32, [positions.Length, _hidden], hidden.Device);
        for (var i = 0; i < positions.Length; i++)
        {
            using var source = replacement.Slice(0, i, 1);
            using var target = hidden.Slice(0, positions[i], 1);
            Ops.Copy(_stream, source, target);
        }
    }

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
        _decodeGraph?.Dispose();
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

    /// <summary>Whether the model rotates by three positions per token (M-RoPE, Qwen2-VL).</summary>
    public bool UsesMultimodalRotary => _multimodalSections is not null;

    /// <summary>Checks the parts of <paramref name="input"/> beyond its tokens: replacement rows and rotary positions.</summary>
    internal void CheckInput(DecoderInput input)
    {
        var count = input.Tokens.Length;
        if ((input.Embeddings is null) != (input.EmbeddingPositions is null))
        {
            throw new ArgumentException("replacement embeddings and their positions come together", nameof(input));
        }

        if (input.Embeddings is { } rows)
        {
            var positions = input.EmbeddingPositions!;
            if (rows.LongLength != (long)positions.Length * _hidden)
            {
                throw new ArgumentException(
                    string.Create(CultureInfo.InvariantCulture, $"{positions.Length} replacement rows need {(long)positions.Length * _hidden} values of width {_hidden}; got {rows.LongLength}"),
                    nameof(input));
            }

            if (positions.Any(position => (uint)position >= (uint)count))
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"replacement positions must lie in [0, {count})"), nameof(input));
            }
        }

        if (input.RotaryPositions is { } rotary)
        {
            if (!UsesMultimodalRotary)
            {
                throw new ArgumentException("explicit rotary positions need a model with an mrope_section", nameof(input));
            }

            if (rotary.Length != 3 || rotary.Any(axis => axis is null || axis.Length != count))
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"rotary positions must be 3 arrays of {count}"), nameof(input));
            }
        }
    }

    /// <summary>
    /// Runs checked new tokens of a sequence through the network and returns the last one's logits.
    /// <paramref name="ropeDelta"/> shifts the default M-RoPE positions (Qwen2-VL's rope_deltas).
    /// </summary>
    internal float[] Forward(SequenceBlocks blocks, DecoderInput input, int ropeDelta, CancellationToken cancellationToken)
    {
        var logits = ForwardOnDevice(blocks, input, ropeDelta, cancellationToken);
        _stream.Synchronize();
        return logits.ToArray<float>();
    }

    /// <summary>
    /// As <see cref="Forward"/>, leaving the last token's F32 logits [1, V] in the stream's scratch, enqueued but not
    /// waited for. A prompt longer than <see cref="MaxStepTokens"/> runs in chunks of that many tokens (chunked
    /// prefill): each chunk's queries attend to the cache the chunks before it wrote, so the result is the same.
    /// </summary>
    internal QrtTensor ForwardOnDevice(SequenceBlocks blocks, DecoderInput input, int ropeDelta, CancellationToken cancellationToken)
    {
        var count = input.Tokens.Length;
        QrtTensor? logits = null;
        for (var start = 0; start < count; start += MaxStepTokens)
        {
            var length = Math.Min(MaxStepTokens, count - start);
            logits = Step(blocks, input.Slice(start, length, _hidden), ropeDelta, cancellationToken);
        }

        return logits!;
    }

    /// <summary>One forward step of at most <see cref="MaxStepTokens"/> tokens; returns its last row's logits in scratch.</summary>
    private QrtTensor Step(SequenceBlocks blocks, DecoderInput input, int ropeDelta, CancellationToken cancellationToken)
    {
        var step = Prepare(blocks, input, ropeDelta, cancellationToken);
        var logits = Compute(step, input, cancellationToken);
        blocks.Commit(step.TokenCount);
        return logits;
    }

    /// <summary>
    /// Enqueues a step's inputs into the stream's scratch — token ids, positions, slots, block table, rotary tables —
    /// reserving cache slots on the host. The ops that follow read them only from there, so a captured step replays
    /// with the inputs written here before each launch.
    /// </summary>
    private DecoderStep Prepare(SequenceBlocks blocks, DecoderInput input, int ropeDelta, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var count = input.Tokens.Length;
        var tables = UsesMultimodalRotary
            ? MultimodalRotary.Tables(_multimodalSections!, _hostInverseFrequencies, input.RotaryPositions ?? DefaultRotaryPositions(blocks.Length, count, ropeDelta))
            : ((float[] Cos, float[] Sin)?)null;
        var step = new DecoderStep(_stream, blocks, count, TableWidth, tables, cancellationToken);
        var ids = _stream.Scratch.Rent(ScratchSlot.TokenIds, DType.I32, [count]);
        Transfer.UploadOn<int>(_stream, input.Tokens, ids);
        return step;
    }

    /// <summary>Enqueues the network on a prepared step; returns its last row's logits in scratch.</summary>
    private QrtTensor Compute(DecoderStep step, DecoderInput input, CancellationToken cancellationToken)
    {
        var count = step.TokenCount;
        var activations = _stream.Device.ActivationDType();
        var ids = _stream.Scratch.Rent(ScratchSlot.TokenIds, DType.I32, [count]);
        var hidden = _stream.Scratch.Rent(ScratchSlot.Hidden, activations, [count, _hidden]);
        var residual = _stream.Scratch.Rent(ScratchSlot.Residual, activations, [count, _hidden]);
        var normed = _stream.Scratch.Rent(ScratchSlot.Normed, activations, [count, _hidden]);
        Transfer.FillOn(_stream, residual, 0);
        Ops.Embedding(_stream, ids, _embedding, hidden);
        if (input.Embeddings is { } rows)
        {
            ReplaceRows(hidden, rows, input.EmbeddingPositions!);
        }

        // With a zero residual, the first block's fused add leaves exactly the embeddings in the residual stream.
        foreach (var layer in _layers)
        {
            cancellationToken.ThrowIfCancellationRequested();
            layer.Forward(step, _cache, hidden, residual, normed);
        }

        Ops.AddRmsNorm(_stream, hidden, residual, _finalNorm, _eps, normed);
        using var last = normed.Slice(0, count - 1, 1);
        var logits = _stream.Scratch.Rent(ScratchSlot.Logits, DType.F32, [1, VocabularySize]);
        _lmHead.Forward(_stream, last, logits);
        return logits;
    }

    /// <summary>
    /// Runs checked new tokens and chooses the next one on the device with <paramref name="draw"/>'s settings: the only
    /// thing read back is the token id. A single-token step (a decode step) on a CUDA device runs eagerly the first
    /// time, is then captured into a CUDA graph, and later ones replay it (captured again after a scratch buffer was
    /// replaced); longer steps (prefill) run eagerly.
    /// </summary>
    internal int ForwardAndSample(SequenceBlocks blocks, DecoderInput input, int ropeDelta, DeviceDraw draw, CancellationToken cancellationToken)
    {
        var count = input.Tokens.Length;
        var start = 0;
        for (; count - start > MaxStepTokens; start += MaxStepTokens)
        {
            Step(blocks, input.Slice(start, MaxStepTokens, _hidden), ropeDelta, cancellationToken);
        }

        var chunk = input.Slice(start, count - start, _hidden);
        var step = Prepare(blocks, chunk, ropeDelta, cancellationToken);
        UploadDraw(draw);
        var decode = UseGraphs && chunk.Tokens.Length == 1 && chunk.Embeddings is null;
        if (decode && _decodeGraph is not null && _decodeGraphAllocations == _stream.Scratch.Allocations)
        {
            _decodeGraph.Launch(_stream);
        }
        else
        {
            ComputeAndSample(step, chunk, cancellationToken);
            if (decode)
            {
                CaptureDecodeStep(step, chunk, cancellationToken);
            }
        }

        blocks.Commit(step.TokenCount);
        var token = new int[1];
        Transfer.Download(_stream.Scratch.Rent(ScratchSlot.SampledToken, DType.I32, [1]), System.Runtime.InteropServices.MemoryMarshal.AsBytes(token.AsSpan()));
        return token[0];
    }

    /// <summary>Whether tokens are drawn on the device (a CUDA model), reading back only the id.</summary>
    internal bool SamplesOnDevice => _stream.Device.Backend == Backend.Cuda;

    /// <summary>Whether decode steps run as CUDA graphs (on a CUDA device, unless <see cref="EagerDecode"/>).</summary>
    private bool UseGraphs => _stream.Device.Backend == Backend.Cuda && !EagerDecode;

    /// <summary>Runs decode steps eagerly instead of replaying a captured graph (for comparisons and debugging).</summary>
    public bool EagerDecode { get; set; }

    /// <summary>The network and the sampler on a prepared step, enqueued.</summary>
    private void ComputeAndSample(DecoderStep step, DecoderInput input, CancellationToken cancellationToken)
    {
        var logits = Compute(step, input, cancellationToken);
        var scratch = _stream.Scratch;
        var floats = scratch.Rent(ScratchSlot.SamplingFloats, DType.F32, [2]);
        var generator = scratch.Rent(ScratchSlot.SamplingGenerator, DType.I64, [2]);
        using var temperature = floats.Slice(0, 0, 1);
        using var topP = floats.Slice(0, 1, 1);
        using var seed = generator.Slice(0, 0, 1);
        using var counter = generator.Slice(0, 1, 1);
        Ops.Sample(_stream, logits, temperature, scratch.Rent(ScratchSlot.SamplingTopK, DType.I32, [1]), topP, seed, counter,
            scratch.Rent(ScratchSlot.SampledToken, DType.I32, [1]));
    }

    /// <summary>Writes a draw's settings and generator position where the sampler reads them.</summary>
    private void UploadDraw(DeviceDraw draw)
    {
        var scratch = _stream.Scratch;
        Transfer.UploadOn<float>(_stream, [draw.Temperature, draw.TopP], scratch.Rent(ScratchSlot.SamplingFloats, DType.F32, [2]));
        Transfer.UploadOn<int>(_stream, [draw.TopK], scratch.Rent(ScratchSlot.SamplingTopK, DType.I32, [1]));
        Transfer.UploadOn<long>(_stream, [unchecked((long)draw.Seed), draw.Counter], scratch.Rent(ScratchSlot.SamplingGenerator, DType.I64, [2]));
    }

    /// <summary>
    /// Records the decode step just run eagerly (which sized every scratch buffer it uses, so the capture allocates
    /// nothing) as the graph later decode steps replay; a capture records without running.
    /// </summary>
    private void CaptureDecodeStep(DecoderStep step, DecoderInput input, CancellationToken cancellationToken)
    {
        _decodeGraph?.Dispose();
        _decodeGraph = null;
        _stream.BeginCapture();
        try
        {
            ComputeAndSample(step, input, cancellationToken);
        }
        catch
        {
            try
            {
                _stream.EndCapture().Dispose();
            }
            catch (InvalidOperationException)
            {
                // The capture was spoiled by the failure being reported.
            }

            throw;
        }

        _decodeGraph = _stream.EndCapture();
        _decodeGraphAllocations = _stream.Scratch.Allocations;
    }

    /// <summary>
    /// On a GPU, gives the KV cache the memory left in the budget, once, as vLLM does: a profile run of one full step
    /// and one decode step sizes the stream's scratch at its peak; the pool then takes
    /// utilization · total − (memory in use), and keeps that size. Throws
    /// <see cref="InsufficientDeviceMemoryException"/> when the pool could not hold one sequence of
    /// <see cref="MaxContextLength"/> tokens. On the CPU the pool grows on demand instead.
    /// </summary>
    internal void ReserveDeviceMemory(DeviceMemoryOptions memory, string directory)
    {
        if (_stream.Device.Backend == Backend.Cpu)
        {
            return;
        }

        using (var profile = new SequenceBlocks(_cache))
        {
            var tokens = new int[Math.Min(MaxStepTokens, MaxContextLength - 1)];
            Forward(profile, new DecoderInput(tokens), 0, CancellationToken.None);
            Forward(profile, new DecoderInput([0]), 0, CancellationToken.None);
        }

        var info = Devices.GetInfo(_stream.Device);
        var inUse = (double)(info.TotalMemoryBytes - info.FreeMemoryBytes);
        var budget = (memory.Utilization * info.TotalMemoryBytes) - inUse;
        var blocks = (int)Math.Min(int.MaxValue, Math.Max(0, Math.Floor(budget / _cache.BytesPerBlock))) + _cache.Capacity;
        var needed = TableWidth;
        if (blocks < needed)
        {
            throw new InsufficientDeviceMemoryException(string.Create(CultureInfo.InvariantCulture,
                $"'{directory}' does not fit on {_stream.Device} ({info.Name}): one sequence of {MaxContextLength} tokens needs a KV cache of {Gib((long)needed * _cache.BytesPerBlock)} GiB, but {Gib((long)inUse)} GiB of the device's {Gib((long)info.TotalMemoryBytes)} GiB are in use (weights and workspace) and the GPU memory utilization of {memory.Utilization:0.###} leaves {Gib((long)Math.Max(0, budget) + ((long)_cache.Capacity * _cache.BytesPerBlock))} GiB for it; raise the utilization or lower the maximum context length"));
        }

        _cache.FixCapacity(blocks);
    }

    private static string Gib(long bytes) => (bytes / (double)(1L << 30)).ToString("0.###", CultureInfo.InvariantCulture);
}
