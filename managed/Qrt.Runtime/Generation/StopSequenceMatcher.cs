namespace Qrt.Runtime.Generation;

/// <summary>
/// Finds stop sequences in generated text as it streams in, also when one spans several tokens: text that could
/// still turn out to be the start of a stop sequence is held back until it is certain. When a stop sequence
/// appears, the text before it is released and generation should end; the stop sequence itself is not part of
/// the output (vLLM's default). Not thread-safe: one instance per generation.
/// </summary>
public sealed class StopSequenceMatcher
{
    private readonly string[] _stopSequences;
    private string _held = string.Empty;

    /// <summary>Creates a matcher for <paramref name="stopSequences" /> (empty strings are not allowed).</summary>
    public StopSequenceMatcher(IEnumerable<string> stopSequences)
    {
        ArgumentNullException.ThrowIfNull(stopSequences);
        _stopSequences = [.. stopSequences];
        if (_stopSequences.Any(string.IsNullOrEmpty))
        {
            throw new ArgumentException("a stop sequence must not be null or empty", nameof(stopSequences));
        }
    }

    /// <summary>Whether a stop sequence has been found; later text is ignored.</summary>
    public bool Stopped { get; private set; }

    /// <summary>
    /// Adds newly decoded <paramref name="text" /> and returns what can be shown now: everything up to a stop
    /// sequence (then <see cref="Stopped" /> is true), or everything except a tail that may begin one.
    /// </summary>
    public string Append(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (Stopped)
        {
            return string.Empty;
        }

        var pending = _held + text;
        var stopAt = -1;
        foreach (var stop in _stopSequences)
        {
            var index = pending.IndexOf(stop, StringComparison.Ordinal);
            if (index >= 0 && (stopAt < 0 || index < stopAt))
            {
                stopAt = index;
            }
        }

        if (stopAt >= 0)
        {
            Stopped = true;
            _held = string.Empty;
            return pending[..stopAt];
        }

        var hold = LongestTailThatStartsAStopSequence(pending);
        _held = pending[^hold..];
        return pending[..^hold];
    }

    /// <summary>Releases the held-back tail at the end of generation (it did not become a stop sequence).</summary>
    public string Flush()
    {
        var held = _held;
        _held = string.Empty;
        return Stopped ? string.Empty : held;
    }

    private int LongestTailThatStartsAStopSequence(string text)
    {
        var longest = 0;
        foreach (var stop in _stopSequences)
        {
            for (var length = Math.Min(stop.Length - 1, text.Length); length > longest; length--)
            {
                if (text.AsSpan(text.Length - length).SequenceEqual(stop.AsSpan(0, length)))
                {
                    longest = length;
                    break;
                }
            }
        }

        return longest;
    }
}
