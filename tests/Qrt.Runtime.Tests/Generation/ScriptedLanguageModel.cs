using Qrt.Runtime.Models;

namespace Qrt.Runtime.Tests.Generation;

/// <summary>
/// A stand-in for a real network: the logits are a function of the tokens so far, so a test knows the
/// continuation by hand. It records what it was asked, counts open sequences (to show each is disposed), and
/// notices overlapping calls (which <see cref="ICausalLanguageModel" /> forbids).
/// </summary>
internal sealed class ScriptedLanguageModel(Func<IReadOnlyList<int>, float[]> logitsOf, int maxContextLength = 64) : ICausalLanguageModel
{
    /// <summary>The test tokenizer's ids: 256 bytes, "ab", "&lt;s&gt;" and "&lt;/s&gt;".</summary>
    public const int Vocabulary = TestTokenizer.VocabularySize;

    private readonly Lock _lock = new();
    private readonly List<int[]> _appends = [];
    private int _openSequences;
    private int _appendsInFlight;
    private int _mostAppendsInFlight;

    public int VocabularySize => Vocabulary;

    public int MaxContextLength => maxContextLength;

    /// <summary>How long each Append takes, to give overlapping calls a chance to show.</summary>
    public TimeSpan AppendDelay { get; init; }

    /// <summary>Sequences started and not yet disposed.</summary>
    public int OpenSequences => Volatile.Read(ref _openSequences);

    /// <summary>The most Append calls that ever ran at the same time.</summary>
    public int MostAppendsInFlight => Volatile.Read(ref _mostAppendsInFlight);

    /// <summary>The tokens of every Append call, in order.</summary>
    public IReadOnlyList<int[]> Appends
    {
        get
        {
            lock (_lock)
            {
                return [.. _appends];
            }
        }
    }

    /// <summary>Logits in which <paramref name="token" /> is clearly the most likely.</summary>
    public static float[] Favouring(int token)
    {
        var logits = new float[Vocabulary];
        logits[token] = 5;
        return logits;
    }

    /// <summary>The alphabet rule: after 'c'..'y' the next letter, after 'z' the end of sequence, after anything else 'c'.</summary>
    public static int NextLetter(int last) => last switch
    {
        >= 'c' and <= 'y' => last + 1,
        'z' => TestTokenizer.EosId,
        _ => 'c',
    };

    /// <summary>A model that continues with <see cref="NextLetter" /> of the last token.</summary>
    public static ScriptedLanguageModel Alphabet(int maxContextLength = 64) => new(tokens => Favouring(NextLetter(tokens[^1])), maxContextLength);

    public IModelSequence StartSequence()
    {
        Interlocked.Increment(ref _openSequences);
        return new Sequence(this);
    }

    public void Dispose()
    {
    }

    private float[] Run(List<int> tokens, ReadOnlySpan<int> added, CancellationToken cancellationToken)
    {
        var inFlight = Interlocked.Increment(ref _appendsInFlight);
        try
        {
            lock (_lock)
            {
                _mostAppendsInFlight = Math.Max(_mostAppendsInFlight, inFlight);
                _appends.Add(added.ToArray());
            }

            if (tokens.Count + added.Length > maxContextLength)
            {
                throw new ArgumentException($"{tokens.Count + added.Length} tokens do not fit in {maxContextLength}");
            }

            if (AppendDelay > TimeSpan.Zero)
            {
                Thread.Sleep(AppendDelay);
            }

            cancellationToken.ThrowIfCancellationRequested();
            tokens.AddRange(added);
            return logitsOf(tokens);
        }
        finally
        {
            Interlocked.Decrement(ref _appendsInFlight);
        }
    }

    private sealed class Sequence(ScriptedLanguageModel model) : IModelSequence
    {
        private readonly List<int> _tokens = [];
        private bool _disposed;

        public int Length => _tokens.Count;

        public float[] Append(ReadOnlySpan<int> tokens, CancellationToken cancellationToken = default)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return model.Run(_tokens, tokens, cancellationToken);
        }

        public void Dispose()
        {
            if (!_disposed)
            {
                _disposed = true;
                Interlocked.Decrement(ref model._openSequences);
            }
        }
    }
}
