using Qrt.Runtime.Models.KvCache;

namespace Qrt.Runtime.Models.Decoder;

/// <summary>One sequence of a <see cref="DecoderModel"/>: its cache blocks, given back on dispose.</summary>
internal sealed class DecoderSequence(DecoderModel model, SequenceBlocks blocks) : IModelSequence
{
    private bool _broken;

    /// <inheritdoc />
    public int Length => blocks.Length;

    /// <summary>
    /// Qwen2-VL's rope delta: how far the M-RoPE positions of later text tokens run ahead of (or behind) their index,
    /// set by the last step that gave explicit rotary positions (max position + 1 − length after it).
    /// </summary>
    public int RopeDelta { get; private set; }

    /// <inheritdoc />
    public float[] Append(ReadOnlySpan<int> tokens, CancellationToken cancellationToken = default) =>
        Append(new DecoderInput(tokens.ToArray()), cancellationToken);

    /// <summary>As <see cref="Append(ReadOnlySpan{int}, CancellationToken)"/>, with replacement embeddings and M-RoPE positions.</summary>
    public float[] Append(DecoderInput input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        return Run(input, () => model.Forward(blocks, input, RopeDelta, cancellationToken), cancellationToken);
    }

    /// <summary>Checks the input, runs <paramref name="step"/>, and keeps the rope delta; a failure mid-step breaks the sequence.</summary>
    private T Run<T>(DecoderInput input, Func<T> step, CancellationToken cancellationToken)
    {
        if (_broken)
        {
            throw new InvalidOperationException("The sequence was interrupted mid-step and cannot continue; start a new one.");
        }

        model.CheckTokens(blocks, input.Tokens);
        model.CheckInput(input);
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            var result = step();
            if (input.RotaryPositions is { } rotary)
            {
                RopeDelta = rotary.Max(axis => axis.Max()) + 1 - blocks.Length;
            }

            return result;
        }
        catch
        {
            // Cancelled or failed mid-step: some layers have written this step's keys and values and others have not.
            _broken = true;
            throw;
        }
    }

    /// <inheritdoc />
    public int AppendAndSample(DecoderInput input, Generation.TokenSampler sampler, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(sampler);
        if (!model.SamplesOnDevice)
        {
            return sampler.Sample(Append(input, cancellationToken));
        }

        return Run(input, () => model.ForwardAndSample(blocks, input, RopeDelta, sampler.NextDeviceDraw(), cancellationToken), cancellationToken);
    }

    public void Dispose() => blocks.Dispose();
}
