using Qrt.Runtime.Models.KvCache;

namespace Qrt.Runtime.Models.Decoder;

/// <summary>One sequence of a <see cref="DecoderModel"/>: its cache blocks, given back on dispose.</summary>
internal sealed class DecoderSequence(DecoderModel model, SequenceBlocks blocks) : IModelSequence
{
    private bool _broken;

    /// <inheritdoc />
    public int Length => blocks.Length;

    /// <inheritdoc />
    public float[] Append(ReadOnlySpan<int> tokens, CancellationToken cancellationToken = default)
    {
        if (_broken)
        {
            throw new InvalidOperationException("The sequence was interrupted mid-step and cannot continue; start a new one.");
        }

        model.CheckTokens(blocks, tokens);
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            return model.Forward(blocks, tokens, cancellationToken);
        }
        catch
        {
            // Cancelled or failed mid-step: some layers have written this step's keys and values and others have not.
            _broken = true;
            throw;
        }
    }

    public void Dispose() => blocks.Dispose();
}
